"""Linux isolation that a sandboxed child applies to itself before the card's code runs.

Order matters: rlimits; a network namespace with only its own loopback (so a local JVM still
talks to Python, and nothing outside is reachable); a mount namespace where every mount but the
snippet's folder is read-only; then every capability dropped (bounding set too, so that neither
the snippet nor anything it execs as uid 0 can undo the mounts, re-enter the host's namespaces
or leave its cgroup). Each step reports what it achieved; a step the machine refuses is reported
as missing, and the runner states it in the report.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import resource
import socket
import struct

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_NOATIME, MS_NODIRATIME, MS_BIND = 32, 1024, 2048, 4096
MS_REC, MS_PRIVATE, MS_RELATIME = 16384, 1 << 18, 1 << 21
_FLAGS = {
    "nosuid": MS_NOSUID,
    "nodev": MS_NODEV,
    "noexec": MS_NOEXEC,
    "noatime": MS_NOATIME,
    "nodiratime": MS_NODIRATIME,
    "relatime": MS_RELATIME,
}
_WRITABLE = ("/proc", "/dev")
PR_CAPBSET_DROP, PR_SET_SECUREBITS, PR_SET_NO_NEW_PRIVS = 24, 28, 38
SECURE_ALL = 0x2F  # NOROOT, NOROOT_LOCKED, NO_SETUID_FIXUP, NO_SETUID_FIXUP_LOCKED, KEEP_CAPS_LOCKED
_CAPABILITY_VERSION_3 = 0x20080522
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")


def set_rlimits(
    cpu_seconds: int, file_bytes: int, open_files: int, processes: int, address_space: int | None
) -> list[str]:
    limits = [
        (resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5)),
        (resource.RLIMIT_FSIZE, (file_bytes, file_bytes)),
        (resource.RLIMIT_NOFILE, (open_files, open_files)),
        (resource.RLIMIT_CORE, (0, 0)),
        (resource.RLIMIT_NPROC, (processes, processes)),
    ]
    if address_space is not None:
        limits.append((resource.RLIMIT_AS, (address_space, address_space)))
    for kind, value in limits:
        resource.setrlimit(kind, value)
    return [
        f"rlimits (cpu {cpu_seconds} s, file {file_bytes >> 20} MB, {open_files} files"
        + (f", address space {address_space >> 20} MB" if address_space else "")
        + ")"
    ]


def _loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH22x", b"lo", 0)
        flags = struct.unpack("16sH22x", fcntl.ioctl(sock.fileno(), SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock.fileno(), SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags | IFF_UP))


def _mount(source: str | None, target: str, flags: int) -> None:
    _check(
        _libc.mount(source.encode() if source else None, target.encode(), None, ctypes.c_ulong(flags), None),
        f"mount {target}",
    )


def _mounts() -> list[tuple[str, set[str]]]:
    points = []
    with open("/proc/self/mountinfo", encoding="utf-8") as info:
        for line in info:
            fields = line.split()
            point = fields[4].encode().decode("unicode_escape")
            points.append((point, set(fields[5].split(","))))
    return points


def _overlay(folder: str, scratch: str, number: int) -> None:
    """`folder` shows its files but takes writes into `scratch` (discarded with the snippet)."""
    upper, work = f"{scratch}/.cardhub-overlay/{number}/upper", f"{scratch}/.cardhub-overlay/{number}/work"
    os.makedirs(upper)
    os.makedirs(work)
    options = f"lowerdir={folder},upperdir={upper},workdir={work}"
    _check(
        _libc.mount(b"overlay", folder.encode(), b"overlay", ctypes.c_ulong(0), options.encode()),
        f"overlay on {folder}",
    )


def _readonly_except(folders: list[str], overlays: list[str]) -> list[str]:
    """Every mount read-only but /proc, /dev, `folders` (bind-mounted onto themselves) and
    `overlays` (their writes land in the last of `folders` and vanish with it)."""
    _mount(None, "/", MS_REC | MS_PRIVATE)
    for folder in folders:
        _mount(folder, folder, MS_BIND | MS_REC)
    for number, folder in enumerate(overlays):
        _overlay(folder, folders[-1], number)
    failed = []
    kept = set(folders) | set(overlays)
    for point, options in _mounts():
        keep = point in kept or any(point == p or point.startswith(p + "/") for p in _WRITABLE)
        if keep or "ro" in options:
            continue
        flags = MS_BIND | MS_REMOUNT | MS_RDONLY
        for name, bit in _FLAGS.items():
            if name in options:
                flags |= bit
        try:
            _mount(None, point, flags)
        except OSError:
            failed.append(point)
    return failed


def enter_namespaces(writable: list[str], overlays: list[str]) -> list[str]:
    """Own network and mount namespaces; what was achieved, as report lines."""
    done: list[str] = []
    if _libc.unshare(CLONE_NEWNET | CLONE_NEWNS) != 0:
        code = ctypes.get_errno()
        return [f"no namespaces ({os.strerror(code)}): network blocked by the audit hook only"]
    try:
        _loopback_up()
        done.append("network namespace (own loopback only)")
    except OSError as exc:
        done.append(f"network namespace, loopback down ({exc.strerror})")
    try:
        failed = _readonly_except(writable, overlays)
        skipped = f" (could not remount: {', '.join(failed)})" if failed else ""
        done.append(f"read-only mounts except the snippet's folder{skipped}")
        if overlays:
            done.append(f"model cache seen through a throw-away overlay ({', '.join(overlays)})")
    except OSError as exc:
        done.append(f"mount namespace without read-only mounts ({exc})")
    return done


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def drop_capabilities() -> list[str]:
    """uid 0 without any capability, for this process and whatever it execs."""
    if os.geteuid() != 0:
        _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        return ["unprivileged user"]
    try:
        _check(_libc.prctl(PR_SET_SECUREBITS, SECURE_ALL, 0, 0, 0), "securebits")
        for cap in range(64):
            if _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 and ctypes.get_errno() == errno.EINVAL:
                break
        header = _CapHeader(_CAPABILITY_VERSION_3, 0)
        data = (_CapData * 2)()
        _check(_libc.capset(ctypes.byref(header), data), "capset")
        _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    except OSError as exc:
        return [f"capabilities kept ({exc})"]
    return ["all capabilities dropped (uid 0 without privileges)"]


def listening_ports() -> set[int]:
    """TCP ports listening in this network namespace (/proc/net is per namespace)."""
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as rows:
                next(rows)
                for row in rows:
                    fields = row.split()
                    if fields[3] == "0A":
                        ports.add(int(fields[1].rsplit(":", 1)[1], 16))
        except OSError:
            continue
    return ports
