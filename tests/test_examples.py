"""Shipped examples: facts files by name or title, suites by name."""

import pytest

from speechwriter.errors import InputError
from speechwriter.examples import example_facts, list_examples, shipped_suite
from speechwriter.facts import load_facts


def test_every_example_loads_and_is_found_by_name_and_by_title():
    examples = list_examples()
    assert len(examples) >= 5
    for name, title in examples:
        assert example_facts(name) == example_facts(title)
        assert load_facts(example_facts(name)).meta.title == title


def test_a_part_of_a_name_finds_the_one_example_it_names():
    assert example_facts("gongqingfu").stem == "work_report_gongqingfu"


def test_an_unknown_or_ambiguous_name_lists_the_examples():
    with pytest.raises(InputError, match="work_report_gongqingfu"):
        example_facts("没有这个示例")
    with pytest.raises(InputError, match="可选"):
        example_facts("annual_summary")  # two examples match


def test_shipped_suites_by_name_only():
    assert shipped_suite("core").name == "core.yaml"
    assert shipped_suite("validators") is not None
    assert shipped_suite("core.yaml") is None and shipped_suite("x/core") is None
    assert shipped_suite("nope") is None
