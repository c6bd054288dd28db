"""One bounded .docx reader for every command (issue 26 items 6, 12, 13).

Each hostile document is given to real ``speechwriter`` processes under an address-space limit:
validate (a speech edited in Word), export --template (a unit's template) and facts extract (a
source). Each must end with one Chinese line naming the problem, never a traceback or a bare
exception class name.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from speechwriter.wordfile import MAX_PARAGRAPHS, MAX_UNPACKED_BYTES, docx_lines

from .conftest import REFERENCE_FACTS

docx = pytest.importorskip("docx")


def _plain_docx(path: Path, paragraphs: list[str]) -> Path:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(path)
    return path


def _with_document_xml(path: Path, body: bytes | None = None, *, member: str = "word/document.xml",
                       stream: int = 0) -> Path:
    """A copy of a plain .docx with its document.xml replaced (``stream``: that many zero bytes appended)."""
    base = _plain_docx(path.with_suffix(".base.docx"), ["正文。"])
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            if item.filename != member:
                out.writestr(item, src.read(item.filename))
        with out.open(member, "w") as fh:
            fh.write(body if body is not None else src.read(member))
            for _ in range(stream // (1 << 20)):
                fh.write(b" " * (1 << 20))
    base.unlink()
    return path


def _paragraphs_xml(n: int, extra: str = "") -> bytes:
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    paragraph = f"<w:p>{extra}<w:r><w:t>第一段文字。</w:t></w:r></w:p>"
    return f'<?xml version="1.0" encoding="UTF-8"?><w:document {ns}><w:body>{paragraph * n}</w:body></w:document>'.encode()


def _limited() -> None:
    limit = 1536 * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SPEECHWRITER_LOCAL_ONLY": "1", "SPEECHWRITER_CONFIG_HOME": str(tmp_path / "cfg")}
    return subprocess.run([sys.executable, "-c", "from speechwriter.cli import main; main()", *args],
                          capture_output=True, text=True, cwd=tmp_path, env=env, preexec_fn=_limited, timeout=600)


def _every_command(tmp_path: Path, hostile: Path) -> dict[str, subprocess.CompletedProcess[str]]:
    draft = tmp_path / "稿.json"
    if not draft.exists():
        done = _run(tmp_path, "draft", str(REFERENCE_FACTS), "-o", str(tmp_path / "稿"), "-q")
        assert done.returncode in (0, 1), done.stderr
    return {
        "validate": _run(tmp_path, "validate", str(hostile), "--facts", str(REFERENCE_FACTS)),
        "export --template": _run(tmp_path, "export", str(draft), "--format", "docx", "--allow-gaps", "--template", str(hostile),
                                  "-o", str(tmp_path / "出.docx")),
        "facts extract": _run(tmp_path, "facts", "extract", str(hostile), "-o", str(tmp_path / "f.yaml")),
    }


def _one_chinese_line(result: subprocess.CompletedProcess[str], said: str) -> None:
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("错误")]
    assert len(errors) == 1 and said in errors[0], result.stderr
    assert "Traceback" not in result.stderr and "（KeyError）" not in result.stderr


def test_a_zip_bomb_is_refused_by_every_command(tmp_path: Path) -> None:
    bomb = _with_document_xml(tmp_path / "炸弹.docx", b"", stream=MAX_UNPACKED_BYTES + (1 << 20))
    assert bomb.stat().st_size < 2 * 1024 * 1024  # a small file that unpacks to over 200 MB
    for command, result in _every_command(tmp_path, bomb).items():
        _one_chinese_line(result, "解压后")
        assert not (tmp_path / "出.docx").exists() and not (tmp_path / "f.yaml").exists(), command


def test_too_many_paragraphs_are_refused_by_every_command(tmp_path: Path) -> None:
    many = _with_document_xml(tmp_path / "多.docx", _paragraphs_xml(MAX_PARAGRAPHS + 1))
    for result in _every_command(tmp_path, many).values():
        _one_chinese_line(result, "段落过多")


@pytest.mark.parametrize(("body", "said"), [
    (b"<w:document><w:body><w:p>", "XML 格式错误"),
    (b"\x00\x01 not xml", "XML 格式错误"),
])
def test_malformed_document_xml_is_named(tmp_path: Path, body: bytes, said: str) -> None:
    broken = _with_document_xml(tmp_path / "坏.docx", body)
    for result in _every_command(tmp_path, broken).values():
        _one_chinese_line(result, said)


def test_a_zip_that_is_not_a_word_document_says_so(tmp_path: Path) -> None:
    path = tmp_path / "包.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    for result in _every_command(tmp_path, path).values():
        _one_chinese_line(result, "不是 Word 文件")


@pytest.mark.parametrize("lvl", ['<w:outlineLvl/>', '<w:outlineLvl w:val="x"/>', '<w:outlineLvl w:val="-1"/>',
                                 '<w:outlineLvl w:val="99999999999999999999"/>'])
def test_a_bad_outline_level_is_no_heading_not_a_crash(tmp_path: Path, lvl: str) -> None:
    path = _with_document_xml(tmp_path / "级.docx", _paragraphs_xml(3, f"<w:pPr>{lvl}</w:pPr>"))
    assert docx_lines(path) == ["第一段文字。"] * 3


def test_a_long_document_reads_every_paragraph(tmp_path: Path) -> None:
    path = _with_document_xml(tmp_path / "长.docx", _paragraphs_xml(20_000))
    assert len(docx_lines(path)) == 20_000
