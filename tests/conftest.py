import sys, pathlib
sys.path.insert(0, str(pathlib.Path(__file__).parent))
import pytest
from synthnb.cache import RequestCache

@pytest.fixture
def fresh_cache(tmp_path):
    "An empty request cache, so a test really asks its server."
    return RequestCache(tmp_path/"requests.sqlite")
