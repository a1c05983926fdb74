"""Staff accounts, passwords and sessions guarding the staff pages of the web app.

`accounts` owns the table and the rules (lockout, demo accounts, CLI), `passwords`
the hashing, `sessions` the signed cookie, CSRF and the `require_staff` dependency.
"""
