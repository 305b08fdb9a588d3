"""JupyterLab and Voila in headless Chromium for the browser tests: servers on 127.0.0.1 with their own Jupyter
directories, Debian's Chromium (never `playwright install`), and on failure a screenshot and the server log's tail
in tests/artifacts/. The recipe and its pitfalls: shared/notes/browser-testing.md."""
import contextlib, json, os, signal, socket, subprocess, sys, time, traceback, urllib.request
from pathlib import Path
import nbformat, pytest

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps trying to reach the internet.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).parent/"artifacts"
VENV_BIN = Path(sys.executable).parent

def free_port():
    "A TCP port of 127.0.0.1 that nothing listens on now."
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); return s.getsockname()[1]

def jupyter_env(home:Path):
    "Environment for a server whose config, data, runtime, settings and workspaces live under `home`, with the news toast off and every cell kept in the DOM."
    dirs = {k: home/k.lower() for k in ["JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR",
                                        "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR"]}
    for d in dirs.values(): d.mkdir(parents=True, exist_ok=True)
    # The "official Jupyter news" toast covers the page; news_url=None doesn't stop it, disabling the plugin does.
    (dirs["JUPYTER_CONFIG_DIR"]/"labconfig").mkdir(exist_ok=True)
    (dirs["JUPYTER_CONFIG_DIR"]/"labconfig/page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
    # Cells scrolled out of view leave the DOM unless windowing is off; a notebook without a kernelspec asks which kernel.
    tracker = dirs["JUPYTERLAB_SETTINGS_DIR"]/"@jupyterlab/notebook-extension/tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True, exist_ok=True)
    tracker.write_text(json.dumps({"windowingMode": "none", "autoStartDefaultKernel": True}))
    env = {**os.environ, **{k: str(v) for k, v in dirs.items()}, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}"}
    env.pop("JUPYTER_PATH", None)
    return env

def _ready_http(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as r: return r.status == 200
    except OSError: return False

def _ready_tcp(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2): return True
    except OSError: return False

@contextlib.contextmanager
def serve(cmd, cwd, env, log:Path, ready, timeout=120):
    "Run server `cmd`, wait until `ready()` (failing at once if it exits), yield its process, then stop it by PID."
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while not ready():
            if proc.poll() is not None: raise RuntimeError(f"server exited with {proc.returncode}:\n{tail(log)}")
            if time.monotonic() > deadline: raise TimeoutError(f"server not ready after {timeout}s:\n{tail(log)}")
            time.sleep(0.3)
        yield proc
    finally:
        # SIGTERM to the server shuts its kernels down cleanly; kill it (and what it started) only if it hangs.
        proc.terminate()
        try: proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL); proc.wait()

@contextlib.contextmanager
def lab_server(root:Path, home:Path):
    "JupyterLab serving `root` on a free port of 127.0.0.1 with no token; yields (base URL, log path)."
    port, log = free_port(), home/"server.log"
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
           f"--ServerApp.root_dir={root}", "--IdentityProvider.token=", "--ServerApp.password=",
           "--LabApp.extension_manager=readonly", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    url = f"http://127.0.0.1:{port}"
    with serve(cmd, root, jupyter_env(home), log, lambda: _ready_http(f"{url}/api/status")):
        yield url, log

@contextlib.contextmanager
def voila_server(notebook:Path, home:Path):
    "Voila serving `notebook` on a free port of 127.0.0.1; yields (its URL, log path)."
    port, log = free_port(), home/"server.log"
    # Tracebacks shown, so that a test can see one on the page.
    cmd = [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
           "--show_tracebacks=True"]
    # Voila runs the notebook on every GET, so readiness is a TCP connect, not an HTTP poll.
    with serve(cmd, notebook.parent, jupyter_env(home), log, lambda: _ready_tcp(port)):
        yield f"http://127.0.0.1:{port}/", log

@contextlib.contextmanager
def chromium():
    "Debian's headless Chromium under Playwright."
    if not CHROMIUM.exists(): pytest.fail(f"{CHROMIUM} is missing: `make browser-deps` installs Debian's chromium")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try: yield browser
        finally: browser.close()

def tail(log:Path, n=80):
    "The last `n` lines of a log file."
    try: return "\n".join(log.read_text(errors="replace").splitlines()[-n:])
    except OSError as e: return f"(no log: {e})"

@contextlib.contextmanager
def artifacts_on_failure(name, page, log:Path):
    "On an exception, save a screenshot of `page` and the tail of the server `log` under tests/artifacts/`name`*."
    try: yield
    except BaseException:
        ARTIFACTS.mkdir(exist_ok=True)
        try: page.screenshot(path=str(ARTIFACTS/f"{name}.png"))
        except Exception: (ARTIFACTS/f"{name}.png.txt").write_text(traceback.format_exc())
        (ARTIFACTS/f"{name}.log").write_text(tail(log, 200))
        raise

def write_notebook(path:Path, *sources):
    "A notebook at `path` with one code cell per source and the venv's python3 kernel."
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path

def open_notebook(page, url, name):
    "Open notebook `name` in JupyterLab and wait for its kernel to be connected and idle."
    from playwright.sync_api import expect
    # Waiting for idle alone is a race: the indicator can say idle before the kernel websocket is open.
    with page.expect_websocket(lambda ws: "/channels" in ws.url, timeout=120_000):
        page.goto(f"{url}/lab/tree/{name}?reset")
    expect(page.locator(".jp-Notebook")).to_be_visible(timeout=120_000)
    expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")).to_be_attached(timeout=120_000)
    # The file browser takes a quarter of the width: give it to the notebook (clicking the open tab closes it).
    page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").click()
    expect(page.locator("#jp-left-stack")).to_be_hidden()

def run_all(page):
    "Run All Cells from the Run menu."
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()

def wait_for(page, selector, timeout_s, fail_on_traceback=True):
    "Wait until `selector` is visible; fail at once, with the traceback, if a cell output shows one first."
    loc, deadline = page.locator(selector).first, time.monotonic() + timeout_s
    errors = page.locator(".jp-OutputArea-output", has_text="Traceback (most recent call last)")
    while not loc.is_visible():
        if fail_on_traceback and errors.count(): pytest.fail(f"a cell failed:\n{errors.first.inner_text()[-3000:]}")
        if time.monotonic() > deadline: raise TimeoutError(f"{selector} not visible after {timeout_s}s")
        page.wait_for_timeout(1000)
    return loc
