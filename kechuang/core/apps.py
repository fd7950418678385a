from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

SERVER_NAME = "Kechuang"


class CoreConfig(AppConfig):
    name = "kechuang.core"
    verbose_name = _("平台基础")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.servers import basehttp

        # Connects the sign-in receivers of the audit.
        from . import audit  # noqa: F401
        from .pickers import search_partners
        from .registry import add_picker

        add_picker("partners", search_partners)

        # Django's development server (runserver, and the live server of browser tests) inherits
        # wsgiref's "Server: WSGIServer/0.2 CPython/3.11.x", telling an attacker the exact Python.
        # Production servers (gunicorn behind nginx) are configured in deploy/; this covers the rest.
        basehttp.ServerHandler.server_software = SERVER_NAME
        basehttp.WSGIRequestHandler.version_string = lambda handler: SERVER_NAME  # its own error pages
