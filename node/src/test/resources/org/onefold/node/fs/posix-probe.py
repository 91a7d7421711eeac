# The probe of the POSIX mount tests (PosixProbe.java): runs the lines it reads on stdin, one
# statement or expression each, in the current directory, and prints one answer per line:
# "ok" for a statement or a value of None, a string as it is, repr() of any other value, the
# errno's name (ENOENT) when the system call fails, or "raised" and the exception's class
# ("raised NameError") when the line fails otherwise. Python's os module makes one system
# call per function and keeps errno exact; the helpers below reach the calls it lacks
# (renameat2, utimensat with UTIME_OMIT, getxattr into a buffer of a given size, fallocate,
# linkat of a descriptor) through ctypes.
import ctypes
import errno
import os
import stat
import sys
import time

os.umask(0o022)
libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD = -100
RENAME_NOREPLACE = 1
RENAME_EXCHANGE = 2
UTIME_NOW = (1 << 30) - 1
UTIME_OMIT = (1 << 30) - 2

# errno's names as the kernel's sources spell them; where two names share a number
# (ENOTSUP and EOPNOTSUPP), the one the kernel returns.
ERRNO_NAMES = dict(errno.errorcode)
ERRNO_NAMES[errno.EOPNOTSUPP] = "EOPNOTSUPP"


def checked(result):
    if result < 0:
        number = ctypes.get_errno()
        raise OSError(number, os.strerror(number))
    return result


def renameat2(old, new, flags):
    checked(libc.renameat2(AT_FDCWD, os.fsencode(old), AT_FDCWD, os.fsencode(new), flags))


class Timespec(ctypes.Structure):
    _fields_ = [("seconds", ctypes.c_long), ("nanos", ctypes.c_long)]


def utimensat(path, access_nanos, modify_nanos):
    """Either time in nanoseconds since the epoch, or UTIME_NOW or UTIME_OMIT."""

    def spec(value):
        if value in (UTIME_NOW, UTIME_OMIT):
            return Timespec(0, value)
        return Timespec(value // 1_000_000_000, value % 1_000_000_000)

    times = (Timespec * 2)(spec(access_nanos), spec(modify_nanos))
    checked(libc.utimensat(AT_FDCWD, os.fsencode(path), times, 0))


def getxattr_sized(path, name, size):
    """getxattr(2) into a buffer of size bytes: the value's length."""
    buffer = ctypes.create_string_buffer(max(size, 1))
    return checked(libc.getxattr(os.fsencode(path), os.fsencode(name), buffer, size))


def listxattr_sized(path, size):
    """listxattr(2) into a buffer of size bytes: the names' length."""
    buffer = ctypes.create_string_buffer(max(size, 1))
    return checked(libc.listxattr(os.fsencode(path), buffer, size))


def fallocate(fd, mode, offset, length):
    """fallocate(2), which os lacks (os.posix_fallocate falls back to writing zeros)."""
    checked(libc.fallocate(fd, mode, ctypes.c_long(offset), ctypes.c_long(length)))


def link_descriptor(fd, path):
    """A name for the file open as fd (an O_TMPFILE's), by linkat(2) with AT_EMPTY_PATH."""
    checked(libc.linkat(fd, b"", AT_FDCWD, os.fsencode(path), 0x1000))


FALLOC_FL_KEEP_SIZE = 1
FALLOC_FL_PUNCH_HOLE = 2


def create(path, data=b"", mode=0o644):
    """A new file (O_EXCL) holding data."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def read(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def write(path, data, flags=os.O_WRONLY):
    fd = os.open(path, flags)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def mode(path):
    """The permission bits and type of path (not followed), in octal as ls would read them."""
    return oct(os.lstat(path).st_mode)


def tick():
    """Long enough for the next change to show a later time than the last (a coarse clock)."""
    time.sleep(0.02)


def answer(line, names):
    try:
        try:
            code = compile(line, "<line>", "eval")
        except SyntaxError:
            exec(compile(line, "<line>", "exec"), names)
            return "ok"
        value = eval(code, names)
        if value is None:
            return "ok"
        return value if isinstance(value, str) else repr(value)
    except OSError as error:
        return ERRNO_NAMES.get(error.errno, str(error.errno))
    except Exception as error:  # A line that went wrong before its call (often an earlier one).
        return "raised " + type(error).__name__


def main():
    sys.stdout.reconfigure(encoding="utf-8")
    names = dict(globals())
    for line in sys.stdin.buffer.read().decode("utf-8").splitlines():
        print(answer(line, names), flush=True)


main()
