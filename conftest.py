# Puts the project root on sys.path so `tests.factories` imports under pytest.
