"""One call to tell people something: an in-app notification for each, and an e-mail copy to those
with an address (sent through Django's mail backend; a failing mail server never loses the in-app one)."""

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from .models import Notification


def notify(users, title: str, body: str = "", url: str = "") -> int:
    """Notify each distinct active user once. Returns how many were notified."""
    seen: dict[int, object] = {}
    for user in users:
        if user is not None and user.is_active and user.pk not in seen:
            seen[user.pk] = user
    if not seen:
        return 0
    title = str(title)[:200]
    Notification.objects.bulk_create(
        [Notification(user=u, title=title, body=str(body), url=url) for u in seen.values()]
    )
    mails = [
        EmailMessage(title, f"{body}\n\n{url}".strip(), settings.DEFAULT_FROM_EMAIL, [u.email])
        for u in seen.values()
        if u.email
    ]
    if mails:
        with get_connection(fail_silently=True) as connection:
            connection.send_messages(mails)
    return len(seen)
