from kechuang.core.uscc import check_character, uscc_error


def test_uscc_known_good_code():
    # A published code (Alibaba (China) Co., Ltd., Hangzhou).
    assert uscc_error("91330100799655058B") is None


def test_uscc_check_character_changes_with_body():
    assert check_character("91330100799655058") == "B"
    assert uscc_error("91330100799655058C") is not None
