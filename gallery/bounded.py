"""Run a function in a forked child process with a ceiling on its CPU time and memory.

Decoding an uploaded image is the one piece of work whose cost the uploader controls (a
progressive JPEG's scans, a PNG's compression, a HEIC's tiles). Doing it in a child whose
limits the kernel enforces bounds what any single file can cost a web process, whatever trick
the file plays on the decoder: past the CPU limit the kernel stops the child (SIGXCPU, then
SIGKILL), past the memory limit its allocations fail.

The child is a fork, so it sees the caller's objects (an uploaded file, open or in memory)
without copying them; it touches no database connection and leaves through ``os._exit``.
Where ``fork`` does not exist the function simply runs in-process.

Forking a Django process costs tens of milliseconds here, and a new child pays again for every
page of memory it allocates; a caller with thousands of files (an import) keeps one
``BoundedWorker`` instead, a child that runs call after call under the same limits.
"""
import math
import os
import pickle
import resource
import select
import signal
import struct
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
    _limit_memory(memory_bytes)


def _limit_memory(memory_bytes: int) -> None:
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

    def child():
        os.close(read_end)
        _set_limits(cpu_seconds, memory_bytes)
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(pickle.dumps(_outcome(func, args)))

    pid = _fork(child)
    os.close(write_end)
    payload = _read_all(read_end, pid, deadline=time.monotonic() + 2 * cpu_seconds + 5)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        raise LimitExceeded(f"stopped by {signal.Signals(os.WTERMSIG(status)).name}")
    if not payload:
        raise LimitExceeded(f"exit status {os.waitstatus_to_exitcode(status)}")
    return _result(pickle.loads(payload))


def _fork(child) -> int:
    """A child process that runs ``child()`` and leaves, whatever happens, through ``os._exit``
    (no cleanup of what it shares with the parent: database connections, files). Returns its
    pid, in the parent."""
    pid = os.fork()
    if pid == 0:
        status = 0
        try:
            child()
        except BaseException:  # noqa: BLE001 - nothing may escape a forked child
            status = 1
        finally:
            os._exit(status)
    return pid


def _outcome(func, args) -> tuple[bool, object]:
    """In the child: (True, what ``func`` returned) or (False, the exception to raise)."""
    try:
        return True, func(*args)
    except MemoryError:
        return False, LimitExceeded("out of memory", memory=True)
    except Exception as exc:  # noqa: BLE001 - handed to the parent to raise there
        return False, exc


def _result(outcome: tuple[bool, object]):
    succeeded, value = outcome
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


class BoundedWorker:
    """A child process that runs one call at a time, each under ``cpu_seconds`` of CPU and the
    process under ``memory_bytes`` more memory than the caller used when it started: what
    ``run_bounded`` does, without a fork per call. Arguments and results travel pickled, so
    they must pickle (bytes and in-memory files do).

    A call that exceeds a limit takes the child with it; the next call starts a new one, as
    does every ``calls_per_child``-th (memory that fragments is given back). The child ends
    when its caller does: it reads its work from a pipe only the caller holds open.
    """

    def __init__(self, *, cpu_seconds: int, memory_bytes: int, calls_per_child: int = 200):
        self.cpu_seconds, self.memory_bytes, self.calls_per_child = cpu_seconds, memory_bytes, calls_per_child
        self._child: tuple[int, object, object] | None = None  # pid, requests pipe, replies pipe
        self._calls = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def run(self, func, *args):
        if not hasattr(os, "fork"):
            return func(*args)
        if self._child is None or self._calls >= self.calls_per_child:
            self.close()
            self._start()
        pid, requests, replies = self._child
        self._calls += 1
        try:
            _write_message(requests, pickle.dumps((func, args)))
            reply = _read_message(replies, pid, deadline=time.monotonic() + 2 * self.cpu_seconds + 5)
        except BrokenPipeError:
            reply = None
        if reply is None:  # the kernel stopped it, or it overran the wall-clock deadline
            self._child = None
            requests.close()
            replies.close()
            _, status = os.waitpid(pid, 0)
            if os.WIFSIGNALED(status):
                raise LimitExceeded(f"stopped by {signal.Signals(os.WTERMSIG(status)).name}")
            raise LimitExceeded(f"exit status {os.waitstatus_to_exitcode(status)}")
        succeeded, value = pickle.loads(reply)
        if not succeeded and isinstance(value, LimitExceeded):
            self.close()  # after a failed allocation the child's state is not to be trusted
        return _result((succeeded, value))

    def close(self) -> None:
        if self._child is not None:
            pid, requests, replies = self._child
            self._child = None
            requests.close()  # the child's signal to leave
            replies.close()
            os.waitpid(pid, 0)

    def _start(self) -> None:
        request_read, request_write = os.pipe()
        reply_read, reply_write = os.pipe()

        def child():
            os.close(request_write)
            os.close(reply_read)
            self._serve(os.fdopen(request_read, "rb"), os.fdopen(reply_write, "wb"))

        pid = _fork(child)
        os.close(request_read)
        os.close(reply_write)
        self._child = (pid, os.fdopen(request_write, "wb"), os.fdopen(reply_read, "rb", buffering=0))
        self._calls = 0

    def _serve(self, requests, replies) -> None:
        # Only the soft CPU limit moves (a process may not raise its hard limit again); the
        # caller's wall-clock deadline stops a child that ignores SIGXCPU.
        _limit_memory(self.memory_bytes)
        while request := _read_exactly(requests, _LENGTH.size):
            func, args = pickle.loads(_read_exactly(requests, _LENGTH.unpack(request)[0]))
            # The CPU limit counts the process's whole life: each call gets its own allowance.
            usage = resource.getrusage(resource.RUSAGE_SELF)
            allowance = math.ceil(usage.ru_utime + usage.ru_stime) + self.cpu_seconds  # whole seconds
            resource.setrlimit(resource.RLIMIT_CPU, (allowance, resource.RLIM_INFINITY))
            _write_message(replies, pickle.dumps(_outcome(func, args)))


_LENGTH = struct.Struct("!Q")


def _write_message(pipe, payload: bytes) -> None:
    pipe.write(_LENGTH.pack(len(payload)))
    pipe.write(payload)
    pipe.flush()


def _read_exactly(pipe, size: int) -> bytes:
    """``size`` bytes, or fewer when the other end closed."""
    chunks, wanted = [], size
    while wanted and (chunk := pipe.read(wanted)):
        chunks.append(chunk)
        wanted -= len(chunk)
    return b"".join(chunks)


def _read_message(pipe, pid: int, *, deadline: float) -> bytes | None:
    """A message from the child, or None when it died or outlived ``deadline`` (then killed)."""
    header = _read_with_deadline(pipe, _LENGTH.size, pid, deadline)
    if header is None:
        return None
    return _read_with_deadline(pipe, _LENGTH.unpack(header)[0], pid, deadline)


def _read_with_deadline(pipe, size: int, pid: int, deadline: float) -> bytes | None:
    chunks, wanted = [], size
    while wanted:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([pipe], [], [], remaining)[0]:
            os.kill(pid, signal.SIGKILL)
            return None
        chunk = pipe.read(min(wanted, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        wanted -= len(chunk)
    return b"".join(chunks)
