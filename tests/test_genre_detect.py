"""`facts extract` tells the genre from the text (--genre auto, the default) and says why.

The rules are data (prompts/genres/detect.yaml): a user folder overrides them, and an explicit
--genre always wins.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from speechwriter.extract import detect_genre, extract_facts, read_source
from speechwriter.prompts import PromptLibrary

from .conftest import shared_path

EXPECTED = {  # the genre each real text is, by what it says of itself
    **{f"{n:02d}_": "government_report" for n in (1, 2, 4, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
                                                 25, 26, 27, 28, 29, 30)},
    "31_": "speech",  # a speech without parts of its own: drafted in its own order, not as 肯定成绩……
    "32_": "speech", "34_": "speech",  # speeches in parts 一、 二、 …
    "33_": "opening_address",
}


def _guess(path: Path, library: PromptLibrary | None = None):
    library = library or PromptLibrary()
    return detect_genre([read_source(path)], library.dirs, set(library.genres()))


@pytest.mark.shared
def test_every_real_text_is_taken_for_its_genre_and_the_reason_quotes_it() -> None:
    corpus = sorted(shared_path("corpus").glob("*.txt"))
    assert len(corpus) == len(EXPECTED)
    library = PromptLibrary()
    for path in corpus:
        guess = _guess(path, library)
        assert guess.genre == EXPECTED[path.name[:3]], (path.name, guess)
        text = path.read_text(encoding="utf-8")
        assert guess.found and guess.found.split("」「")[0] in text.replace("\n", "")  # quotes the source
    assert _guess(shared_path("reference", "work-report-clean.txt")).genre == "work_report"


def test_invented_texts_by_their_own_words(tmp_path: Path) -> None:
    cases = {
        "述职报告\n各位领导：\n一年来，我认真履行职责，全年办结事项120件。": "duty_report",
        "在全县安全生产工作会议上的讲话\n同志们：\n今年以来，全县事故起数下降15%。": "leader_speech",
        "2025年工作总结\n今年，我局完成投资3亿元。": "annual_summary",
        "关于上半年工作情况的汇报\n今年以来，完成投资2亿元。": "work_report",
        "今年以来，完成投资2亿元，新增就业300人。": "work_report",  # nothing says otherwise
    }
    for n, (text, genre) in enumerate(cases.items()):
        path = tmp_path / f"{n}.txt"
        path.write_text(text, encoding="utf-8")
        guess = _guess(path)
        assert guess.genre == genre, (text, guess)
        assert guess.reason  # the user is told why


def test_the_cli_says_which_genre_and_why_and_an_explicit_genre_wins(cli, tmp_path: Path) -> None:
    src = tmp_path / "致辞.txt"
    src.write_text("在2026年产业博览会开幕式上的致辞\n各位来宾：\n大家好！值此博览会开幕之际，我谨表示热烈欢迎。"
                   "本届博览会有300家企业参展。预祝博览会圆满成功！", encoding="utf-8")
    out = tmp_path / "f.yaml"
    result = cli("facts", "extract", src, "-o", out)
    assert result.exit_code == 0
    line = next(ln for ln in result.stderr.splitlines() if ln.startswith("文种："))
    assert "opening_address" in line and "致辞" in line and "--genre" in line
    assert "genre: opening_address" in out.read_text(encoding="utf-8")
    result = cli("facts", "extract", src, "-o", out, "--force", "--genre", "work_report")
    assert result.exit_code == 0 and "文种：" not in result.stderr
    assert "genre: work_report" in out.read_text(encoding="utf-8")


def test_a_users_rules_come_first(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    (mine / "genres").mkdir(parents=True)
    (mine / "genres" / "detect.yaml").write_text(
        "fallback: {genre: work_report, why: 默认}\n"
        "rules:\n  - {genre: duty_report, why: '我们的述职材料都写「{found}」', where: title, patterns: ['个人工作小结']}\n",
        encoding="utf-8")
    src = tmp_path / "小结.txt"
    src.write_text("个人工作小结\n一年来，我办结事项120件。", encoding="utf-8")
    result = extract_facts([src], workspace=_workspace(tmp_path, mine), output_name=str(tmp_path / "f.yaml"))
    assert result.facts.meta.genre == "duty_report"
    assert result.genre_guess is not None and "个人工作小结" in result.genre_guess.reason


def test_a_broken_rule_file_is_one_clear_line(cli, tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    (mine / "genres").mkdir(parents=True)
    (mine / "genres" / "detect.yaml").write_text(
        "fallback: {genre: work_report}\nrules:\n  - {genre: speech, patterns: ['(座谈会']}\n", encoding="utf-8")
    src = tmp_path / "a.txt"
    src.write_text("今年完成投资2亿元。", encoding="utf-8")
    result = cli("facts", "extract", src, "-o", tmp_path / "f.yaml", "--prompts", mine)
    assert result.exit_code != 0 and "Traceback" not in result.stderr
    assert "detect.yaml" in result.stderr and "第 1 条" in result.stderr and "正则" in result.stderr
    assert not (tmp_path / "f.yaml").exists()


def _workspace(root: Path, prompts: Path):
    from speechwriter.workspace import Workspace

    return Workspace(root, prompts=[prompts])
