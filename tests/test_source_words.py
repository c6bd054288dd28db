"""The draft says the source's own structural words where the source has them: its part headings,
the words it leads into its problems with, its call to the audience before the last words, the
exclamations of its greeting and close; a call standing alone opens a new paragraph.

The invented texts follow the forms real reports and addresses use; the corpus tests check the
same rules on published texts.
"""

from __future__ import annotations

from pathlib import Path

from speechwriter.draft import Draft
from speechwriter.extract import extract_facts, read_source
from speechwriter.facts import Facts
from speechwriter.workspace import Workspace

from .conftest import shared_path, within_a_longer_speech

REPORT = """各位代表：
现在，我代表县人民政府，向大会报告工作，请予审议。
一、2023年工作总结
2023年，我们稳中求进，全县生产总值增长6.1%，一般公共预算收入增长9%。
——经济运行稳中向好。规模以上工业增加值增长7%，固定资产投资增长8%。
——民生福祉持续增进。民生支出占比达80%，新增就业2400人。
在看到成绩的同时，我们也清醒地认识到，前进道路上还有不少困难和挑战：产业层次偏低，新旧动能转换较慢；城乡发展不够平衡；财政收支矛盾突出。
二、2024年重点任务安排
2024年全县生产总值增长6%左右。
（一）着力扩大有效投资。全年实施重点项目120个，完成投资150亿元。
（二）着力保障改善民生。新增城镇就业2500人以上。
各位代表！让我们在县委的坚强领导下，奋力谱写高质量发展新篇章！
"""

ADDRESS = ("在2024年国际茶业博览会开幕式上的致辞尊敬的各位来宾，女士们，先生们，朋友们：大家好！值此博览会开幕之际，"
           "我代表市人民政府，对各位嘉宾表示热烈的欢迎！本届博览会有28个国家和地区的600家企业参展。"
           "茶产业是我市的传统产业，全市茶园面积达到45万亩。女士们、先生们、朋友们！当前，茶产业正处在转型升级的关键时期。"
           "消费需求日益多样，数字技术加快融入种植、加工和流通各环节，全市茶叶电商交易额增长了32%。"
           "借此机会，我提出两点希望：第一，共同推动茶产业绿色发展。我们要推广生态种植，减少化肥农药使用。"
           "第二，共同拓展茶文化交流合作。我们将举办茶文化论坛，搭建交流平台。"
           "女士们、先生们、朋友们！茶香飘四海，情谊传五洲。最后，预祝博览会取得圆满成功！谢谢大家！")


def _facts(tmp_path: Path, text: str, genre: str) -> Facts:
    path = tmp_path / "src.txt"
    path.write_text(text, encoding="utf-8")
    return extract_facts([read_source(path)], genre=genre, output_name=str(tmp_path / "f.yaml")).facts


def _draft_of(tmp_path: Path, facts: Facts) -> Draft:
    ws = Workspace(tmp_path)
    return ws.draft(facts, engine=ws.engine("offline"), record=False, use_cache=False).draft


def _draft(tmp_path: Path, facts: Facts) -> str:
    return _draft_of(tmp_path, facts).to_markdown()


def test_the_source_headings_replace_the_genre_ones(tmp_path: Path) -> None:
    facts = _facts(tmp_path, REPORT, "government_report")
    assert facts.headings == {"review": "2023年工作总结", "tasks": "2024年重点任务安排"}
    text = _draft(tmp_path, facts)
    assert "## 一、2023年工作总结" in text and "## 二、2024年重点任务安排" in text
    assert "今后的主要任务" not in text  # the blueprint's stock heading


def test_headings_fall_back_to_the_genre_and_are_plain_text(tmp_path: Path) -> None:
    facts = _facts(tmp_path, REPORT, "government_report")
    data = facts.model_dump(mode="json")
    data["headings"] = {"tasks": "二、今年的主要任务"}  # the number is the blueprint's to give
    text = _draft(tmp_path, Facts.model_validate(data))
    assert "## 二、今年的主要任务" in text and "二、二、" not in text
    assert "## 一、2023年工作回顾" in text  # no heading of its own: the genre's, with the period
    for bad in ({"Tasks!": "x"}, {"tasks": "{{ meta.title }}"}, {"tasks": "  "}):
        data["headings"] = bad
        try:
            Facts.model_validate(data)
        except ValueError:
            continue
        raise AssertionError(f"accepted {bad}")


def test_two_parts_of_one_kind_keep_the_genre_heading(tmp_path: Path) -> None:
    text = REPORT.replace("二、2024年重点任务安排", "二、2023年民生工作回顾\n全年民生支出增长12%。\n三、2024年重点任务安排")
    facts = _facts(tmp_path, text, "government_report")
    assert "review" not in facts.headings  # either heading alone would misname the whole review
    assert facts.headings.get("tasks") == "2024年重点任务安排"


def test_the_source_announcement_leads_into_the_problems(tmp_path: Path) -> None:
    facts = _facts(tmp_path, REPORT, "government_report")
    assert facts.shortcomings_lead == "在看到成绩的同时，我们也清醒地认识到，前进道路上还有不少困难和挑战"
    assert len(facts.shortcomings) == 3
    text = _draft(tmp_path, facts)
    assert "清醒地认识到，前进道路上还有不少困难和挑战：" in text
    assert "还存在一些不足" not in text and "工作中还存在" not in text  # no stock lead-in beside it


def test_numbered_problems_keep_their_numbers_and_all_their_sentences(tmp_path: Path) -> None:
    text = REPORT.replace(
        "前进道路上还有不少困难和挑战：产业层次偏低，新旧动能转换较慢；城乡发展不够平衡；财政收支矛盾突出。",
        "前进道路上还有不少困难和挑战。一是产业进入“换挡期”。传统产业支撑减弱，新兴产业比重较小。"
        "二是城市建设进入“攻坚期”。公共服务欠账较多。乡村短板多重叠加。三是财政收支矛盾突出。")
    facts = _facts(tmp_path, text, "government_report")
    assert facts.shortcomings == ["产业进入“换挡期”。传统产业支撑减弱，新兴产业比重较小",
                                  "城市建设进入“攻坚期”。公共服务欠账较多。乡村短板多重叠加", "财政收支矛盾突出"]
    draft = _draft(tmp_path, facts)
    assert ("一是产业进入“换挡期”。传统产业支撑减弱，新兴产业比重较小。二是城市建设进入“攻坚期”。"
            "公共服务欠账较多。乡村短板多重叠加。三是财政收支矛盾突出。") in draft
    # 与此同时，…… is another problem, and the turn to the tasks ends the list
    more = text.replace("三是财政收支矛盾突出。", "三是财政收支矛盾突出。与此同时，社会矛盾有所增多。今年，我们将着力解决这些问题。")
    facts = _facts(tmp_path, more, "government_report")
    assert facts.shortcomings[2:] == ["财政收支矛盾突出", "与此同时，社会矛盾有所增多"], facts.shortcomings
    assert any("着力解决这些问题" in c for c in facts.context)
    # unnumbered problems stay one clause chain
    plain = _draft(tmp_path, _facts(tmp_path, REPORT, "government_report"))
    assert "产业层次偏低，新旧动能转换较慢；城乡发展不够平衡；财政收支矛盾突出。" in plain and "一是产业" not in plain


def test_a_call_in_mid_speech_is_said_where_the_speaker_turned(tmp_path: Path) -> None:
    """各位代表！ opening a paragraph mid-speech is the speaker turning to the hall: it stays before
    the words it opens (the close's call is the closing's, tested above)."""
    text = REPORT.replace(
        "在看到成绩的同时，",
        "各位代表！成绩的取得，是县委正确领导的结果，是全县人民团结拼搏的结果。\n各位代表，面对困难和挑战，我们知道奋斗的道路不会一帆风顺。\n"
        "在看到成绩的同时，")
    facts = _facts(tmp_path, text, "government_report")
    assert facts.summing_up.startswith("各位代表！成绩的取得"), facts.summing_up
    assert any(c.startswith("各位代表，面对困难和挑战") for c in facts.context), facts.context
    draft = _draft(tmp_path, facts)
    assert "各位代表！成绩的取得，是县委正确领导的结果" in draft
    paragraphs = draft.split("\n\n")
    assert any(p.startswith("各位代表，面对困难和挑战，我们知道奋斗的道路不会一帆风顺。") for p in paragraphs)
    # the review's opening paragraph keeps its call too
    summary = _facts(tmp_path, REPORT.replace("2023年，我们稳中求进", "各位代表！2023年，我们稳中求进"), "government_report")
    assert summary.summary.startswith("各位代表！2023年，我们稳中求进"), summary.summary
    # one call opening a paragraph the extraction takes in two pieces is said once
    both = REPORT.replace("在看到成绩的同时，", "各位代表！面对困难和挑战，我们迎难而上。成绩的取得，是县委正确领导的结果。\n"
                                           "在看到成绩的同时，")
    facts = _facts(tmp_path, both, "government_report")
    said = [facts.summing_up or "", *facts.context]
    assert sum(x.count("各位代表！") for x in said) == 1, said
    assert _draft(tmp_path, facts).count("各位代表！") == 2  # this one and the closing's


def test_without_an_announcement_the_genre_lead_in_stays(tmp_path: Path) -> None:
    facts = _facts(tmp_path, REPORT, "government_report")
    data = facts.model_dump(mode="json")
    data["shortcomings_lead"] = None
    text = _draft(tmp_path, Facts.model_validate(data))
    assert "清醒地认识到" not in text
    assert "产业层次偏低" in text


def test_the_call_before_the_close_and_the_exclamations_are_kept(tmp_path: Path) -> None:
    facts = _facts(tmp_path, ADDRESS, "opening_address")
    assert facts.closing.call == "女士们、先生们、朋友们！"
    assert facts.opening[0] == "大家好！"
    text = _draft(tmp_path, facts)
    assert "大家好！" in text and "表示热烈的欢迎！" in text
    assert "女士们、先生们、朋友们！茶香飘四海，情谊传五洲。最后，预祝博览会取得圆满成功！" in text
    assert "大家好。" not in text and "欢迎。" not in text


def test_the_speech_ends_on_its_own_thanks_or_its_call(tmp_path: Path) -> None:
    """The source's thanks close the draft as said; a government report, which thanks nobody,
    ends on its call; a leader's speech without thanks of its own keeps the genre's close."""
    facts = _facts(tmp_path, ADDRESS.replace("谢谢大家！", "谢谢各位嘉宾。"), "opening_address")
    assert facts.closing.thanks == ["谢谢各位嘉宾"]
    text = _draft(tmp_path, facts)
    assert text.rstrip().endswith("谢谢各位嘉宾。") and text.count("谢谢") == 1
    report = _draft(tmp_path, _facts(tmp_path, REPORT, "government_report")).rstrip()
    assert report.endswith("奋力谱写高质量发展新篇章！") and "谢谢" not in report
    speech = within_a_longer_speech(_facts(tmp_path, REPORT, "leader_speech"))
    assert not speech.closing.thanks
    assert _draft(tmp_path, speech).rstrip().endswith("谢谢大家！")  # the genre's close, as part of a longer speech
    whole = _draft(tmp_path, _facts(tmp_path, REPORT, "leader_speech")).rstrip()
    assert whole.endswith("奋力谱写高质量发展新篇章！")  # the whole speech ends as its source did
    # thanks for the year's work come where the speaker said them, before the call to go on
    grateful = _facts(tmp_path, REPORT.replace("各位代表！让我们", "各位代表！感谢大家一年来的辛勤付出。让我们"),
                      "leader_speech")
    assert grateful.closing.thanks == ["感谢大家一年来的辛勤付出"]
    end = _draft(tmp_path, within_a_longer_speech(grateful)).rstrip()
    assert end.endswith("各位代表！感谢大家一年来的辛勤付出。让我们在县委的坚强领导下，奋力谱写高质量发展新篇章！")


def test_a_whole_speech_asks_for_no_part_its_source_never_had(tmp_path: Path) -> None:
    """Facts extracted from a whole speech say all it said: no 提出要求 section is added to ask, in
    a gap, for requirements the source never made; thin facts written by hand still get it."""
    from speechwriter.facts import load_facts
    from speechwriter.outline import holds_whole_speech, with_facts_parts
    from speechwriter.prompts import PromptLibrary

    blueprint = PromptLibrary().blueprint("leader_speech")
    speech = next(shared_path("corpus").glob("31_*.txt")).read_text(encoding="utf-8")
    whole = _facts(tmp_path, speech, "leader_speech")
    assert holds_whole_speech(whole, blueprint)
    assert "requirements" not in [s.id for s in with_facts_parts(blueprint, whole).sections]
    text = _draft(tmp_path, whole)
    assert "再提几点要求" not in text and "落实要求" not in text
    assert "谢谢" not in text and text.rstrip().endswith("新的更大奇迹！")  # it ends as its source did
    # nor is it opened, previewed or counted in words it never said
    assert "讲几点意见" not in text and "重点抓好" not in text and "今天，我们召开" not in text
    thin = load_facts(Path(__file__).resolve().parent.parent / "fixtures" / "facts" / "leader_speech_safety.yaml")
    assert not holds_whole_speech(thin, blueprint)
    assert not holds_whole_speech(within_a_longer_speech(thin, chars=200), blueprint)  # by hand: never whole
    assert "再提几点要求" in _draft(tmp_path, thin)


def test_a_part_of_its_own_keeps_its_paragraphs_where_they_stood(tmp_path: Path) -> None:
    """总体要求 before the tasks: its paragraphs without figures lead its points in the part, in
    order, the announcement with its colon; none is moved into the tasks as their situation."""
    text = REPORT.replace("二、2024年重点任务安排\n", (
        "二、2024年工作总体要求\n今年是实施“十四五”规划的关键之年，做好今年工作意义重大。\n"
        "今年政府工作的总体要求是：坚持稳中求进，推动全县经济持续健康发展。\n落实总体要求，我们必须做到：\n"
        "——坚定不移抓发展。发展是解决一切问题的基础，必须聚精会神抓经济。\n——坚定不移惠民生。必须把人民放在心中最高位置。\n"
        "三、2024年重点任务安排\n"))
    facts = _facts(tmp_path, text, "government_report")
    assert not facts.context
    draft = _draft(tmp_path, facts)
    part, tasks = draft.split("## 二、")[1].split("## 三、")
    said = ["今年是实施“十四五”规划的关键之年", "今年政府工作的总体要求是：坚持稳中求进", "落实总体要求，我们必须做到：",
            "——坚定不移抓发展。", "——坚定不移惠民生。"]
    assert [part.index(x) for x in said] == sorted(part.index(x) for x in said)
    assert "总体要求" not in tasks
    # a paragraph after a point belongs to it: the count of the points runs on over it
    counted = text.replace("——坚定不移抓发展。", "第一，坚定不移抓发展。").replace(
        "——坚定不移惠民生。", "聚焦主业，抓好产业转型升级。\n第二，坚定不移惠民生。")
    facts = _facts(tmp_path, counted, "government_report")
    first = next(p for part in facts.parts for p in part.points if p.theme.startswith("坚定不移抓发展"))
    assert "聚焦主业，抓好产业转型升级" in first.measures
    part = _draft(tmp_path, facts).split("## 二、")[1].split("## 三、")[0]
    assert part.index("第一，坚定不移抓发展") < part.index("聚焦主业") < part.index("第二，坚定不移惠民生")


def test_the_target_is_the_spoken_length_without_the_glossary(tmp_path: Path) -> None:
    glossary = "名词解释\n" + "".join(f"【{n}】第{n}个名词：这是一条随报告印发的名词解释，供代表阅读时参考，不在会上宣读。\n"
                                   for n in range(1, 60))
    plain = _facts(tmp_path, REPORT * 6, "government_report")
    noted = _facts(tmp_path, REPORT * 6 + glossary, "government_report")
    assert noted.notes and len(glossary) > 2000
    assert noted.meta.target.chars == plain.meta.target.chars


HEADLESS = ("同志们：\n今天，我们在这里隆重集会，庆祝开发区建区30周年。\n"
            "建区以来，开发区从一片滩涂起步，成为全省重要的产业高地。\n"
            "——30年来，开发区大力发展先进制造业，地区生产总值从1.2亿元增至860亿元。\n"
            "——30年来，开发区坚持改革创新，率先推行项目审批“一站式”服务。\n"
            "开发区的实践积累了宝贵经验。一是必须坚持党的领导。二是必须坚持改革开放，不断激发市场活力。\n"
            "当前，开发区发展面临新的机遇和挑战。\n"
            "第一，坚定不移推动高质量发展。要加快产业转型升级，年内新引进项目50个。\n"
            "第二，坚定不移深化改革开放。要优化营商环境，持续扩大开放。\n"
            "同志们！三十而立，未来可期。让我们携手奋进，创造新的更大奇迹！\n")


def test_a_speech_not_divided_into_parts_is_drafted_in_its_own_order(tmp_path: Path) -> None:
    """No 一、二、 parts: the speech is one part without a heading, every point in the source's
    order and marking (——, 一是, 第一), not sorted into 肯定成绩/认清形势/部署任务/提出要求."""
    path = tmp_path / "src.txt"
    path.write_text(HEADLESS, encoding="utf-8")
    result = extract_facts([read_source(path)], genre="auto", output_name=str(tmp_path / "f.yaml"))
    facts = result.facts
    assert facts.meta.genre == "speech"
    assert [p.heading for p in facts.parts] == [None]
    assert not facts.highlights and not facts.plans and not facts.shortcomings
    text = _draft(tmp_path, facts)
    assert "\n## " not in text and "充分肯定成绩" not in text and "再提几点要求" not in text
    said = ["建区以来，开发区从一片滩涂起步", "——30年来，开发区大力发展先进制造业", "——30年来，开发区坚持改革创新",
            "一是必须坚持党的领导", "二是必须坚持改革开放", "当前，开发区发展面临新的机遇和挑战",
            "第一，坚定不移推动高质量发展", "第二，坚定不移深化改革开放", "同志们！三十而立，未来可期"]
    at = [text.find(x) for x in said]
    assert -1 not in at and at == sorted(at), list(zip(said, at, strict=True))


def test_a_real_speech_not_divided_into_parts_keeps_its_order(tmp_path: Path) -> None:
    from speechwriter.prompts import PromptLibrary
    from speechwriter.validate import validate

    path = next(shared_path("corpus").glob("31_*.txt"))
    facts = extract_facts([read_source(path)], genre="auto", output_name=str(tmp_path / "f.yaml")).facts
    assert facts.meta.genre == "speech" and [p.heading for p in facts.parts] == [None]
    draft = _draft_of(tmp_path, facts)
    text = draft.to_markdown()
    markers = ["——40年来"] * 5 + [f"{n}是必须" for n in "一二三四五六七八九十"] + [f"第{n}，" for n in "一二三四五六"]
    start = 0
    for m in markers:
        start = text.index(m, start) + 1  # each in the source's order
    assert "肯定成绩" not in text and "再提几点要求" not in text and "谢谢" not in text
    report = validate(draft, facts, PromptLibrary().blueprint("speech"))
    assert not [f for f in report.findings if f.severity == "error"], report.findings


def test_a_paragraph_after_a_point_of_a_part_stays_after_it(tmp_path: Path) -> None:
    """三、促进经济更好更快发展 (a part of its own after the tasks): 「加快建设沿海经济带：……」 after
    第一 belongs to 第一; it is not moved before the points as their lead."""
    text = REPORT.replace("各位代表！让我们", (
        "三、促进经济更好更快发展\n不断增强综合经济实力，是发展的首要任务。\n第一，加快经济结构调整。坚持存量调强、增量调优。\n"
        "加快建设沿海经济带：年内新建港口泊位5个。\n第二，推进新农村建设。年内新建村道100公里。\n各位代表！让我们"))
    facts = _facts(tmp_path, text, "government_report")
    part = next(p for p in facts.parts if p.heading == "促进经济更好更快发展")
    assert [p.lead for p in part.points] == [True, False, False]
    assert "加快建设沿海经济带：年内新建港口泊位5个" in part.points[1].measures
    draft = _draft(tmp_path, facts).split("## 三、")[1]
    assert draft.index("不断增强") < draft.index("第一，加快经济结构调整") < draft.index("加快建设沿海经济带") \
        < draft.index("第二，推进新农村建设")


def test_two_lists_of_tasks_keep_their_headings_and_labelled_lists_count_afresh(tmp_path: Path) -> None:
    """二、the five years' tasks （一）…… then 三、this year's （一）……: the second is a part of its
    own, not （三）（四） of the first; 「三个关键：一是……」 after 「两个站位：一是……二是……」 starts
    at 一是 again, its label said before it."""
    from speechwriter.prompts import PromptLibrary
    from speechwriter.validate import validate

    text = REPORT.replace("二、2024年重点任务安排\n2024年全县生产总值增长6%左右。\n", (
        "二、“十四五”时期的主要目标任务\n（一）坚持创新驱动，在产业升级上求突破。研发投入年均增长10%。\n"
        "（二）坚持绿色发展，在生态建设上求突破。森林覆盖率达到35%。\n三、2024年重点工作\n"
        "2024年全县生产总值增长6%左右。\n两个站位：一是强势开局，集聚起“势”。开局即决战。二是强力突破，凝聚起“力”。敢于攻坚。\n"
        "三个关键：一是抓机遇。加速融入一体化格局。二是抓环境。打通审批堵点。\n"))
    facts = _facts(tmp_path, text, "government_report")
    assert [p.heading for p in facts.parts] == ["2024年重点工作"]
    draft = _draft_of(tmp_path, facts)
    md = draft.to_markdown()
    assert "## 二、“十四五”时期的主要目标任务" in md and "## 三、2024年重点工作" in md
    this_year = md.split("## 三、2024年重点工作")[1]
    for line in ("两个站位：", "一是强势开局", "二是强力突破", "三个关键：", "一是抓机遇", "二是抓环境", "（一）着力扩大有效投资"):
        assert line in this_year, line
    assert this_year.index("三个关键：") < this_year.index("一是抓机遇") and "三是抓机遇" not in md
    report = validate(draft, facts, PromptLibrary().blueprint("government_report"))
    assert not [f for f in report.findings if f.code in ("S104", "E701")], report.findings


def test_a_label_keeps_the_point_that_starts_in_its_own_sentence(tmp_path: Path) -> None:
    text = REPORT.replace("（一）着力扩大有效投资。", "三项要求：一是稳增长，全年生产总值增长6%左右。二是抓项目，新开工项目50个。"
                          "三是惠民生，新增就业1万人。\n（一）着力扩大有效投资。")
    facts = within_a_longer_speech(_facts(tmp_path, text, "government_report"))
    themes = [p.theme for p in facts.plans]
    after = themes[themes.index("三项要求") + 1:][:3]
    assert [t[:3] for t in after] == ["稳增长", "抓项目", "惠民生"], themes
    draft = _draft(tmp_path, facts)
    assert "三项要求：\n\n一是稳增长，全年生产总值增长6%左右。" in draft and "三是惠民生" in draft
    # a short sentence that counts nothing is no label
    plain = REPORT.replace("2024年全县生产总值增长6%左右。", "我们对未来充满信心。2024年全县生产总值增长6%左右。")
    assert "充满信心：" not in _draft(tmp_path, _facts(tmp_path, plain, "government_report"))


def test_a_speech_in_one_part_without_opening_words_still_drafts_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "src.txt"
    path.write_text("同志们：\n三项要求：一是稳增长，增长6%。二是抓项目。三是惠民生。\n", encoding="utf-8")
    facts = extract_facts([read_source(path)], genre="speech", output_name=str(tmp_path / "f.yaml")).facts
    assert _draft_of(tmp_path, facts).section("opening").body.startswith("【待补")  # asked for, never left empty
    # a speech without headings read back by the facts its paragraphs state
    from speechwriter.prompts import PromptLibrary
    from speechwriter.validate import load_speech

    speech = _facts(tmp_path, HEADLESS.replace("同志们：", "各位领导，各位来宾，各位企业家代表，女士们，先生们，同志们，朋友们："),
                    "speech")
    (tmp_path / "稿.md").write_text(_draft(tmp_path, speech), encoding="utf-8")
    back = load_speech(tmp_path / "稿.md", PromptLibrary().blueprint("speech"), speech)
    assert back.section("salutation").body.startswith("各位领导")
    assert back.section("closing").body.startswith("同志们！三十而立")
    assert "——30年来" in back.section("part_1").body and "今天，我们在这里隆重集会" in back.section("opening").body


def test_a_call_standing_alone_opens_a_paragraph_and_is_no_theme(tmp_path: Path) -> None:
    facts = _facts(tmp_path, ADDRESS, "opening_address")
    themes = [h.theme for h in facts.highlights]
    assert not any("女士们" in t for t in themes), themes
    text = _draft(tmp_path, facts)
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    turn = next(p for p in paragraphs if "转型升级的关键时期" in p)
    assert "茶园面积" not in turn  # the call cut the one-line text here: two paragraphs
    assert turn.startswith("当前，茶产业")


def test_a_paragraph_after_the_last_proposal_stays_with_it(tmp_path: Path) -> None:
    facts = _facts(tmp_path, ADDRESS.replace("搭建交流平台。", "搭建交流平台。女士们、先生们、朋友们！"
                                                  "为更好展示茶文化，我们将建设茶文化博物馆。"), "opening_address")
    second = facts.plans[-1]
    assert second.theme == "共同拓展茶文化交流合作"
    assert any("茶文化博物馆" in m for m in second.measures)  # not a result before the proposals


def test_the_reference_report_keeps_its_own_words(tmp_path: Path) -> None:
    path = next(shared_path("reference").glob("*.txt"))
    facts = extract_facts([read_source(path)], genre="auto", output_name=str(tmp_path / "f.yaml")).facts
    lead = facts.shortcomings_lead or ""
    assert lead.endswith("不尽如意的地方"), lead
    text = _draft(tmp_path, facts)
    assert lead + "：" in text and "还存在一些不足" not in text
    # the opening's request to the inspecting leaders stays: the closing asks them something else
    opening = text.split("## 一、")[0]
    assert "敬请光源主席和同志们多多指导。" in opening
    assert text.count("给予指导") == 1


def test_a_corpus_report_keeps_its_task_heading(tmp_path: Path) -> None:
    path = next(shared_path("corpus").glob("15_*.txt"))
    facts = extract_facts([read_source(path)], genre="auto", output_name=str(tmp_path / "f.yaml")).facts
    assert facts.headings.get("tasks") == "2020年工作安排"
    assert "## 二、2020年工作安排" in _draft(tmp_path, facts)


def test_a_heading_layer_counts_on_across_a_paragraph_between() -> None:
    from speechwriter.outline import point_markers

    assert point_markers("paren", ["paren", "none", "paren"]) == ["（一）", "", "（二）"]
    assert point_markers("paren", ["paren", "diyi", "paren", "arabic", "arabic"]) == ["（一）", "第一", "（二）", "1.", "2."]
    assert point_markers("yishi", ["diyi", "diyi", "none", "diyi"]) == ["第一", "第二", "", "第一"]  # after a paragraph: anew
    # a list inside a point, then the outer list goes on (第一……一是……二是……第二)
    assert point_markers("paren", ["diyi", "yishi", "yishi", "diyi", "yishi"]) == ["第一", "一是", "二是", "第二", "一是"]


def test_ordinals_listed_together_mark_no_point() -> None:
    from speechwriter.extract.text import runin_of

    assert runin_of("第一、二、三产业增加值分别增长5.9%、14.3%、10%") == 0
    assert runin_of("第二、三产业比重提高") == 0
    assert runin_of("第一、坚持稳中求进") == 3 and runin_of("第二，扩大有效投资") == 3


def test_a_list_restarting_under_the_next_outer_point_is_no_duplicate(tmp_path: Path) -> None:
    from speechwriter.validate import draft_from_text, validate

    facts = _facts(tmp_path, REPORT, "government_report")
    blueprint = Workspace(tmp_path).library().blueprint("government_report")

    def s104(tasks: str) -> list[str]:
        text = f"各位代表：\n\n现在，我代表县人民政府报告工作。\n\n一、2023年工作总结\n\n全县生产总值增长6.1%。\n\n二、2024年重点任务安排\n\n{tasks}"
        draft = draft_from_text(text, blueprint)  # sections by headings only
        return [f.message for f in validate(draft, facts, blueprint).findings if f.code == "S104"]

    nested = ("第一，扩大投资。\n\n一是抓项目。\n\n二是抓招商。\n\n第二，改善民生。\n\n一是稳就业。\n\n二是办实事。")
    assert s104(nested) == []
    flat = "一是抓项目。\n\n二是抓招商。\n\n一是稳就业。"  # no outer point between: a real duplicate
    assert any("一是" in m for m in s104(flat))
