import os

import pytest
from django.conf import settings as django_settings
from django.utils import translation
from hypothesis import settings as hypothesis_settings

from tests import factories as f

# No per-example deadline: the machine is shared and timing is the benchmarks' business. In CI the
# examples are derandomised, so a submission's result does not depend on the draw of the day;
# developers' runs keep exploring new examples.
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the platform's default language: code run outside a request (tasks,
    services) otherwise inherits whatever language the thread's last request switched to."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _isolated_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
    # The sign-in throttle counts in the cache; one test's attempts must not throttle the next's.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def city(db):
    """Two districts, one enterprise in each, and a user of every role."""
    zd = f.district("370303", "张店区")
    zc = f.district("370302", "淄川区")
    e1 = f.enterprise(zd, "淄博甲科技有限公司")
    e2 = f.enterprise(zc, "淄博乙材料有限公司")
    uni = f.institute(zd, "山东理工大学")
    users = {
        "admin": f.user(f.Role.ADMIN, "admin_u", is_superuser=True, is_staff=True),
        "staff": f.user(f.Role.BUREAU_STAFF, "staff_u"),
        "leader": f.user(f.Role.LEADER, "leader_u"),
        "district": f.user(f.Role.DISTRICT_STAFF, "district_u", district=zd),
        "other_district": f.user(f.Role.DISTRICT_STAFF, "district_zc", district=zc),
        "enterprise": f.user(f.Role.ENTERPRISE, "ent_u", organisation=e1.organisation),
        "institute": f.user(f.Role.INSTITUTE, "inst_u", organisation=uni),
        "expert": f.user(f.Role.EXPERT, "expert_u"),
    }
    return {"zd": zd, "zc": zc, "e1": e1, "e2": e2, "uni": uni, "users": users}
