from django.conf import settings
from django.urls import reverse

from . import summaries
from .models import Role
from .registry import NAV, todos_for
from .users.services import can_manage_users


def navigation(request):
    user = getattr(request, "user", None)
    context = {"site_name": settings.KECHUANG_SITE_NAME}
    if user is None or not user.is_authenticated:
        return context
    role = Role.ADMIN if user.is_superuser else user.role
    items = []
    for entry in NAV:
        if role in entry.roles:
            url = reverse(entry.url_name)
            items.append(
                {"label": entry.label, "url": url, "active": request.path.startswith(url) and url != "/"}
            )
    context["nav_items"] = items
    context["unread_count"] = user.notifications.filter(read_at__isnull=True).count()
    context["manages_users"] = can_manage_users(user).allowed
    context["todo_count"] = summaries.todo_count(user, lambda: sum(t.count for t in todos_for(user)))
    context["sees_backups"] = role == Role.ADMIN
    return context
