"""Start N training processes on this machine, as torchrun would, and watch them: when one fails,
stop the others at once (instead of leaving them blocked in a collective) and say which one failed
and what survives. Used by `python3 -m focusclip_torch.train --nproc N`; needed because the
torchrun of Debian's PyTorch 1.13 cannot start under Python 3.11 (its Std flag parsing returns
None), and useful anyway for its error report.
"""
import os
import signal
import socket
import subprocess
import sys
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(nproc, argv, checkpoint_report):
    """Run `python -m focusclip_torch.train argv` in nproc processes; returns the exit code."""
    port = free_port()
    procs = []
    for rank in range(nproc):
        env = dict(os.environ, RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(nproc), LOCAL_WORLD_SIZE=str(nproc),
                   MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
        procs.append(subprocess.Popen([sys.executable, "-m", "focusclip_torch.train", *argv], env=env))

    def stop_all(sig):
        for p in procs:
            if p.poll() is None:
                p.send_signal(sig)

    prev = signal.signal(signal.SIGINT, lambda *_: stop_all(signal.SIGTERM))
    try:
        failed = None
        while True:
            codes = [p.poll() for p in procs]
            bad = [(r, c) for r, c in enumerate(codes) if c not in (None, 0)]
            if bad and failed is None:
                failed = bad[0]
                stop_all(signal.SIGTERM)
                deadline = time.time() + 10
                while time.time() < deadline and any(p.poll() is None for p in procs):
                    time.sleep(0.1)
                stop_all(signal.SIGKILL)
            if all(c is not None for c in (p.poll() for p in procs)):
                break
            time.sleep(0.1)
    finally:
        signal.signal(signal.SIGINT, prev)
    if failed is None:
        return 0
    rank, code = failed
    how = f"was killed by signal {-code}" if code < 0 else f"exited with status {code}"
    print(f"focusclip_torch.train: process {rank} of {nproc} {how}; the other processes were stopped. {checkpoint_report()}", file=sys.stderr)
    return 1
