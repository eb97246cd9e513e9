"""Argon2 with the smallest cost parameters, so that the personas of each test are made quickly.
The algorithm and the stored format are the node's own; only the cost is lowered."""
from django.contrib.auth.hashers import Argon2PasswordHasher


class QuickArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 8
    parallelism = 1
