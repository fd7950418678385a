"""The platform's password hasher: Argon2id with parameters measured on the bureau's hardware.

Django's default (100 MiB, t=2, p=8) takes about as long per hash as these, but 30 parallel failed
sign-ins then hold 3 GB. OWASP's 19–46 MiB band with more passes keeps guessing as slow and a burst
cheap (figures: benchmarks/argon2_params.py). The algorithm name stays "argon2", so existing hashes
verify, and Django re-hashes a password with these parameters the next time its owner signs in.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher as DjangoArgon2PasswordHasher


class Argon2PasswordHasher(DjangoArgon2PasswordHasher):
    time_cost = 4
    memory_cost = 32768  # KiB: 32 MiB
    parallelism = 1
