import pytest

# the shared helpers of the scripted runs assert too: let pytest explain their failures
pytest.register_assert_rewrite("tests.api.support")
