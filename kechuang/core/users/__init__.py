"""User management outside Django's admin (用户管理): administrators manage every account; district
staff manage the accounts of their district below city level (district staff, and the users of the
district's enterprises and institutes).

``services`` holds the use-cases (create, edit, deactivate, reactivate, reset a password), each
checked, applied and recorded in the user's history (django-simple-history) with who, when and
why; ``views``, ``forms`` and ``urls`` are the pages under ``/users/``. A password is never chosen by
the manager: a new account or a reset gets a one-time link (shown once) with which the user sets
their own, since no mail server is guaranteed.
"""
