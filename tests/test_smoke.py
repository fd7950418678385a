from kechuang.core.uscc import check_character, uscc_error


def test_uscc_known_good_code():
    # A published code (Alibaba (China) Co., Ltd., Hangzhou).
    assert uscc_error("91330100799655058B") is None


def test_uscc_check_character_changes_with_body():
    assert check_character("91330100799655058") == "B"
    assert uscc_error("91330100799655058C") is not None


def test_uscc_messages_follow_the_language():
    from django.utils import translation

    assert "校验位错误" in uscc_error("91330100799655058C")
    with translation.override("en"):
        assert uscc_error("91330100799655058C").startswith("Wrong check character")
        assert "18 characters" in uscc_error("9133")
