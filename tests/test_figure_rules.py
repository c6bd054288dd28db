"""The rules that tell a figure from a number that is not one, each on sentences of our own."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from speechwriter.figures import Lexicon, find_quantities, load_lexicon


def _found(text: str, **kwargs) -> list[str]:
    return [m.text for m in find_quantities(text, **kwargs) if not m.weak]


@pytest.mark.parametrize(("text", "expected"), [
    # session numbers: 届, and N次 after 届
    ("深入学习省委十一届三次全会精神", []),
    ("县十九届人大二次会议确定的任务全部完成", []),
    ("贯彻六届三次、四次全会部署", []),
    ("全年召开常务会议15次", ["15次"]),
    ("十四届人大以来，召开三次常委会", ["三次"]),  # a count, though 届 is near
    ("连续3届获评文明城市", ["3"]),
    # project phases after a project noun, or before 工程/项目
    ("北区水厂二期投入运行", []),
    ("启动三期工程建设", []),
    ("举办培训班三期", ["三期"]),
    ("码头二期和实验学校二期建成", []),
    # quoted names: a counter and nothing more
    ("推行“五个一”服务和“2345”工作法", []),
    ("出台“惠企12条”", []),
    ("实施“新增投资400万元”计划", ["400万元"]),
    ("开展“百日攻坚”行动", []),
    # hotlines, service numbers, codes
    ("畅通12345热线", []),
    ("拨打12315投诉", []),
    ("咨询电话0311-8888888", []),
    ("改造205国道和18路公交线路", []),
    ("跻身中国企业500强", []),
    # dates in many spellings
    ("抗击8.12特大洪水", []),
    ("2月、3月份", []),
    ("1—10月累计增长5%", ["5%"]),
    ("奋战2025，再创佳绩", []),
    ("二〇三五年远景目标", []),
    # footnote marks and footnoted terms
    ("推进“三项改革”［4］落地", []),
    ("落实两个清单【12】，成效明显", []),
    ("实施乡村振兴^[7]", []),
    # qualifier look-alikes
    ("节约资金200万元", ["200万元"]),
    ("签约一批项目", []),
    ("节约200万元", ["200万元"]),
    # fixed phrases and words containing a numeral
    ("严格执行八项规定，推进三次产业融合，发展零部件产业", []),
    ("新建二十一个、三十一个站点", ["二十一个", "三十一个"]),
    ("五一前后完成", []),
    ("十一期间接待游客3万人次", ["3万人次"]),
    ("实际支出十一余元、二十一多万元", ["十一余元", "二十一多万元"]),
    ("完成十一 万元", ["十一 万元"]),
    ("十分重要，占十分之一", ["十分之一"]),
    # rate bases, size classes, formulas, plan names
    ("每百户拥有汽车30辆", ["30辆"]),
    ("每10万人口拥有医生", []),
    ("打造百亿级、50亿级产业集群", ["50亿"]),  # a class with a number is a figure (issue 21)
    ("提供7×24小时服务", []),
    ("编制第十四个五年规划", []),
    # ordinary figures, all forms
    ("新建110kV变电站2座", ["110kV", "2座"]),
    ("60周岁以上老人", ["60周岁以上"]),
    ("投资1.13 亿元，近 4000人受益", ["1.13 亿元", "近 4000人"]),
    ("完成1万余台、3万多亩", ["1万余台", "3万多亩"]),
    ("安置301户611人", ["301户", "611人"]),
    ("工期18个月", ["18个月"]),
    ("新建110千伏变电站", ["110千伏"]),
])
def test_rule(text: str, expected: list[str]) -> None:
    assert _found(text) == expected


def test_a_user_lexicon_extends_the_built_in_one(tmp_path: Path) -> None:
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "fixed_phrases.txt").write_text("# 本单位提法\n三个一工程\n", encoding="utf-8")
    text = "推进三个一工程，严格执行八项规定"
    assert _found(text) == ["三个"]
    lexicon = load_lexicon((str(tmp_path),))
    assert _found(text, lexicon=lexicon) == []
    assert "八项规定" in lexicon.phrases and "三个一工程" in lexicon.phrases
    assert find_quantities("新建7个站点", lexicon=Lexicon(()))[0].quantity.value == Decimal(7)


def test_validate_cli_uses_the_user_lexicon(tmp_path: Path, cli) -> None:
    prompts = tmp_path / "my_prompts"
    (prompts / "common").mkdir(parents=True)
    (prompts / "common" / "fixed_phrases.txt").write_text("三个一工程\n", encoding="utf-8")
    facts = tmp_path / "f.yaml"
    facts.write_text("""meta: {title: 汇报, speaker: {role: 局长}, addressees: [同志们]}
highlights:
  - theme: 成效
    items:
      - {statement: 完成投资12亿元, figures: [12亿元]}
""", encoding="utf-8")
    speech = tmp_path / "s.txt"
    speech.write_text("汇报\n同志们：\n完成投资12亿元，推进三个一工程。\n", encoding="utf-8")
    without = cli("validate", speech, "--facts", facts, "--json")
    assert '"F204"' in without.stdout
    with_lexicon = cli("validate", speech, "--facts", facts, "--json", "--prompts", prompts)
    assert '"F204"' not in with_lexicon.stdout


@pytest.mark.parametrize(("text", "expected"), [
    ("建成5个示范区[2]", ["5个"]),             # an Arabic count before a footnoted noun is a figure
    ("1.建成3个中心：全部投用", ["3个"]),       # a numbered line with a colon is no glossary entry
    ("“建成3个中心”", ["3个"]),                # an Arabic count in quotes is still a figure
    ("“三个中心”建设", []),                     # Chinese numerals and a counter in quotes name something
    ("实施“5个1000”行动", []),                  # a count of numbers in quotes is a slogan
    ("[3] 三个一：指一个中心", []),             # a glossary entry's term
])
def test_name_rules_do_not_hide_figures(text: str, expected: list[str]) -> None:
    assert _found(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # a numeral inside a name, system or formula, quoted or not
    ("全面普及学前三年教育，推行五年制本科", []),
    ("落实收支两条线规定", []),
    ("坚持两个文明建设一起抓", []),
    ("深入实施三大主体战略", []),
    ("二、深入推进三大战略的实施", []),                   # a heading's 二、 is no list
    ("科技、人才和开放三大战略", ["三大"]),               # restates the list just given: a count
    ("“科技、人才、开放”三大战略", ["三大"]),
    ("强化三大战略支撑产业", ["三大"]),                   # 战略 only starts a longer noun
    ("开通三条线路", ["三条"]),
    # project phases wherever they sit
    ("北河四期治理工程开工", []),
    ("重点推进兴达二期、光明三期等项目", []),
    ("推进“985工程”二期顺利验收", []),
    ("举办培训班三期，分两期实施", ["三期", "两期"]),     # counts of sessions and phases
    # 一 + measure word after its noun counts; before a noun it is an article
    ("新建污水厂一座，道路三条", ["一座", "三条"]),
    ("每村一人负责，每当一项任务完成就复盘", ["一人"]),
    ("建一座污水厂", []),
    ("过去的一年，储备一批、开工一批", []),
    ("确保干一件、成一件", []),
    # a figure keeps the measure word after it
    ("提出3点建议和三点意见", ["3点", "三点"]),
    ("下午3点开会", []),
    ("坚持两点论，多一点耐心，态度坚决一点。", []),     # a word and "a little", not points
    # stated durations and counts restating a list are figures; vague time phrases and ranks are not
    ("抓好十个方面的工作，建成九大基地，破除两大障碍", ["十个", "九大", "两大"]),
    ("连续五年增长，力争三年左右、三至五年内完成", ["五年", "三年左右", "三至五年"]),
    ("在过去几个月里，一年来，几条街道，居全省第2位", []),
])
def test_names_phases_and_counts(text: str, expected: list[str]) -> None:
    assert _found(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # issue 21: a quoted programme formula whose numeral counts the parts of a slogan
    ("扎实做好“四篇文章”", []),
    ("全面落实“十年禁渔”要求", []),
    ("加快建设“15分钟健身圈”", []),
    ("实现“两年大变样”目标", []),
    ("推进“八项工程，35件民生实事”", []),            # a second formula after a comma inside the quote
    ("开展“新建12个站点”行动", ["12个"]),            # a count after a verb inside quotes is still a figure
    ("“投资8000万元”工程", ["8000万元"]),             # money inside quotes is always a figure
    ("他说“今年新增就业3000人”", ["3000人"]),
    # project phases: the second of a list of phases, after a road or place name
    ("城北片区改造一期、二期全面完工", []),
    ("京昆高速五期、六期开工", []),
    ("启动沿河绿道二期和三期", []),
    ("举办培训班三期、四期", ["三期", "四期"]),  # counts of sessions stay figures
    # names holding numerals: a code before 工程/计划/行动
    ("实施368工程，推进1025计划", []),
    ("完成投资128项", ["128项"]),
    # set phrases: N + counter + 不 + verb
    ("确保脱贫路上一户不落、两个不少", []),
    ("三个不达标企业", ["三个"]),
    # abbreviations of admission batches (本科一批 → 本一)
    ("高考本二以上上线率提高", []),
    ("二本上线人数增加", []),
    ("新增教材二本", ["二本"]),
    # multiplied capacities and size classes with a number are figures
    ("建成2×66万千瓦机组", ["2×66万千瓦"]),
    ("提供7×24小时服务", []),
    ("培育3个300亿级产业集群", ["3个", "300亿"]),
    ("打造千亿级产业", []),
])
def test_issue_21_figure_rules(text: str, expected: list[str]) -> None:
    assert _found(text) == expected


def test_multiplied_capacity_reads_as_its_product() -> None:
    [m] = [m for m in find_quantities("新建4×35万千瓦机组") if not m.weak]
    assert m.quantity.value == Decimal(140 * 10**4) and m.quantity.unit == "千瓦"
    from speechwriter.figures import parse_figure
    assert parse_figure("4×35万千瓦")[0].matches(m.quantity)


@pytest.mark.parametrize(("text", "expected"), [
    # issue 21: place and company names holding a numeral and a measure word
    ("途经三间房乡和五棵松路", []),
    ("推进三家店村改造", []),
    ("支持三元食品扩产", []),
    ("新建三座桥", ["三座"]),
    ("建成两个新村", ["两个"]),
    ("发放补贴三元", ["三元"]),
])
def test_issue_21_names_holding_numerals(text: str, expected: list[str]) -> None:
    assert _found(text) == expected
