"""The tailer against a real file system: random appends split at any byte (inside multi-byte
characters and CRLF pairs), rename rotations, copy-truncates, deletes, re-creations, restarts
and crashes. Lines out equal lines written, in order per file, none lost and none repeated."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from logsentinel.config.load import SourceConfig
from logsentinel.sources.files.follow import SourceTail

_text = st.text(alphabet=st.sampled_from(list("abcxyz 0123é€😀-")), min_size=0, max_size=12)


class TailMachine(RuleBasedStateMachine):
    """Model: every line ever written, per file generation, in order."""

    glob_rotated = False

    @initialize(encoding=st.sampled_from(["utf-8", "utf-16"]), crlf=st.booleans())
    def setup(self, encoding, crlf):
        self.dir = Path(tempfile.mkdtemp(prefix="tail-"))
        self.encoding = encoding
        self.eol = "\r\n" if crlf else "\n"
        pattern = "*.log*" if self.glob_rotated else "*.log"
        self.cfg = SourceConfig(
            name="app",
            paths=[str(self.dir / pattern)],
            encoding="auto",
            every_line=True,
            start_at="beginning",
            flush_after_s=0.0,
        )
        self.spec = self.cfg.spec("UTC")
        self.tail = SourceTail(self.cfg, self.spec, [], first_start=True)
        self.written: list[str] = []  # every complete line, in write order
        self.pending_bytes = b""  # written bytes of an unfinished line (current file)
        self.out: list[str] = []  # lines the tailer emitted
        self.committed_rows = []
        self.committed_out = 0
        self.gen = 0
        self.bom_written = False
        self.rotations = 0
        self.generation_seen = False

    @property
    def path(self) -> Path:
        return self.dir / "app.log"

    def _encode(self, text: str) -> bytes:
        if self.encoding == "utf-16":
            data = text.encode("utf-16-le")
            if not self.bom_written:
                self.bom_written = True
                data = b"\xff\xfe" + data
            return data
        return text.encode("utf-8")

    def _collect(self, blocks):
        for b in blocks:
            self.out += b.data.decode("utf-8").split("\n")[:-1]

    def _step(self):
        self._collect(self.tail.sweep())
        self._collect(self.tail.read())
        self._collect(self.tail.flush_quiet(now=float("inf")))

    @rule(lines=st.lists(_text, min_size=1, max_size=5), cut=st.integers(0, 60), finish=st.booleans())
    def append(self, lines, cut, finish):
        """Write some lines; the bytes go out in two writes split at an arbitrary byte."""
        text = self.eol.join(lines) + (self.eol if finish else "")
        data = self._encode(text)
        cut = min(cut, len(data))
        with open(self.path, "ab") as fh:
            fh.write(data[:cut])
            fh.flush()
            self._step()  # the tailer may look between the two halves
            fh.write(data[cut:])
        full = self.pending_text + text if hasattr(self, "pending_text") else text
        parts = full.split(self.eol)
        self.written += parts[:-1]
        self.pending_text = parts[-1]

    @rule()
    def step(self):
        """What the live loop does: read, then commit offsets and output together."""
        self._step()
        self.commit()

    @rule()
    def peek(self):
        """Read without committing: a crash now must lose nothing and repeat nothing."""
        self._step()

    def _finish_generation(self):
        """The current file will never be completed: its last partial line counts."""
        self.generation_seen = False
        if getattr(self, "pending_text", ""):
            self.written.append(self.pending_text)
        self.pending_text = ""
        self.bom_written = False

    @precondition(lambda self: self.path.exists())
    @rule()
    def rotate_rename(self):
        if not self.generation_seen:
            # a file created and rotated before the sidecar ever saw it cannot be told from a
            # file that is still being written (its last line may be unfinished, or it left
            # the globs): the guarantees hold for files the sidecar has seen
            self.step()
        self.rotations += 1
        os.replace(self.path, self.dir / f"app.log.{self.rotations}")
        self._finish_generation()

    @precondition(lambda self: self.path.exists())
    @rule()
    def copy_truncate(self):
        self.step()  # the documented race: lines written between copy and truncate are lost
        self.rotations += 1
        shutil.copyfile(self.path, self.dir / f"app.copy.{self.rotations}")
        with open(self.path, "r+b") as fh:
            fh.truncate(0)
        self._finish_generation()
        # the shrink must be seen before the file regrows: a file truncated and rewritten to
        # the same size and first bytes while the sidecar is down cannot be told apart
        self.step()

    @precondition(lambda self: self.path.exists())
    @rule()
    def delete(self):
        self.step()  # a file deleted before it was read (and committed) is gone: read it first
        os.unlink(self.path)
        self._finish_generation()
        # the deletion must be seen before a new file can take over the inode: a file deleted
        # and replaced by one with a reused inode and the same first bytes while the sidecar
        # is down cannot be told apart (the inode-reuse limit of every tailer)
        self.step()

    def commit(self):
        from logsentinel.sources.files.fileio import file_key

        key = file_key(os.stat(self.path), self.path) if self.path.exists() else None
        self.generation_seen = any(ff.key == key and not ff.gone for ff in self.tail.files.values())
        self.committed_rows = [ff.row("app") for ff in self.tail.files.values()]
        self.committed_out = len(self.out)

    @rule(crash=st.booleans())
    def restart(self, crash):
        """Stop (cleanly, or killed: back to the last commit) and start again from the state."""
        if not crash:
            self.commit()
        self.tail.close()
        self.out = self.out[: self.committed_out]
        self.tail = SourceTail(self.cfg, self.spec, self.committed_rows, first_start=False)

    @invariant()
    def nothing_repeated_or_reordered(self):
        assert self.out == self.written[: len(self.out)], (self.out, self.written)

    def teardown(self):
        # drain: everything written is read exactly once
        if hasattr(self, "tail"):
            self._finish_generation() if not self.path.exists() else None
            for _ in range(3):
                self._step()
            expected = list(self.written)
            if self.path.exists() and getattr(self, "pending_text", ""):
                pass  # an unfinished last line stays held back, as it should
            assert self.out == expected, (self.out, expected)
            self.tail.close()
            shutil.rmtree(self.dir, ignore_errors=True)


class TailMachineGlobMatchesRotated(TailMachine):
    """The glob also matches the rotated names (app.log*): nothing may be read twice."""

    glob_rotated = True

    @precondition(lambda self: False)
    @rule()
    def copy_truncate(self):  # a copy under a matched name is a new file: documented duplicates
        pass


TestTail = TailMachine.TestCase
TestTail.settings = settings(
    max_examples=150,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestTailGlobRotated = TailMachineGlobMatchesRotated.TestCase
TestTailGlobRotated.settings = TestTail.settings
