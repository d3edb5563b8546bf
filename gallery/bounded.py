"""Run a function in a forked child process with a ceiling on its CPU time and memory.

Decoding an uploaded image is the one piece of work whose cost the uploader controls (a
progressive JPEG's scans, a PNG's compression, a HEIC's tiles). Doing it in a child whose
limits the kernel enforces bounds what any single file can cost a web process, whatever trick
the file plays on the decoder: past the CPU limit the kernel stops the child (SIGXCPU, then
SIGKILL), past the memory limit its allocations fail.

The child is a fork, so it sees the caller's objects (an uploaded file, open or in memory)
without copying them; it touches no database connection and leaves through ``os._exit``.
Where ``fork`` does not exist the function simply runs in-process.
"""
import os
import pickle
import resource
import select
import signal
import time


class LimitExceeded(Exception):
    """The child used up its CPU time or memory, or did not finish in time."""

    def __init__(self, reason: str, *, memory: bool = False):
        super().__init__(reason)
        self.memory = memory


def _address_space_in_use() -> int | None:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return None


def _set_limits(cpu_seconds: int, memory_bytes: int) -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    in_use = _address_space_in_use()
    if in_use is not None:
        # The fork starts with the parent's mappings; the budget is what it may add to them.
        # (Heap the parent freed but still maps is reusable too: the true bound is the budget
        # plus that, which for a web worker is what its earlier requests left.)
        ceiling = in_use + memory_bytes
        resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))


def run_bounded(func, *args, cpu_seconds: int, memory_bytes: int):
    """``func(*args)`` in a child limited to ``cpu_seconds`` of CPU and ``memory_bytes`` more
    memory than the caller uses. Returns its result or raises what it raised; raises
    LimitExceeded when the child was stopped. Results and exceptions must pickle."""
    if not hasattr(os, "fork"):
        return func(*args)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        status = 0
        try:
            os.close(read_end)
            _set_limits(cpu_seconds, memory_bytes)
            try:
                outcome = (True, func(*args))
            except MemoryError:
                outcome = (False, LimitExceeded("out of memory", memory=True))
            except Exception as exc:  # noqa: BLE001 - handed to the parent to raise there
                outcome = (False, exc)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(pickle.dumps(outcome))
        except BaseException:  # noqa: BLE001 - nothing may escape a forked child
            status = 1
        finally:
            os._exit(status)

    os.close(write_end)
    payload = _read_all(read_end, pid, deadline=time.monotonic() + 2 * cpu_seconds + 5)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        raise LimitExceeded(f"stopped by {signal.Signals(os.WTERMSIG(status)).name}")
    if not payload:
        raise LimitExceeded(f"exit status {os.waitstatus_to_exitcode(status)}")
    succeeded, value = pickle.loads(payload)
    if succeeded:
        return value
    raise value


def _read_all(fd: int, pid: int, *, deadline: float) -> bytes:
    """Everything the child writes, or nothing if it outlives ``deadline`` (wall clock), in
    which case it is killed: a child asleep uses no CPU, so the CPU limit alone would not end it."""
    chunks = []
    with os.fdopen(fd, "rb", buffering=0) as pipe:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([pipe], [], [], remaining)[0]:
                os.kill(pid, signal.SIGKILL)
                return b""
            chunk = pipe.read(1 << 16)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
