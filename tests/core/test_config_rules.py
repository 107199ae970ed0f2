"""rules.ini loading: the seed's examples, the old code's [General] switch, checks, warnings."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from rtstation.config import Node, Rule, RulesConfig, Settings, default_settings, load_rules
from rtstation.config.fields import RULE_FIELDS
from rtstation.config.templates import rules_template
from rtstation.errors import ConfigError, RuleError

REPO = Path(__file__).resolve().parents[2]

# The DICOM RT Station README's example rules, verbatim.
SEED_RULES = """[Rule1]
name = Ethos ADP Plans
enabled = True
source_ae = FOLLOW
target_nodes = ORGANO
plan_label_match = ADP

[Rule2]
name = Import Folder Rule
enabled = True
source_ae = IMPORT_FOLDER
target_nodes = ORGANO
plan_label_match =
"""

# What the DICOM RT Station's code writes: a master switch and a disabled sample rule that
# names nodes nobody has.
OLD_CODE_RULES = """[General]
rules_enabled = False

[Rule1]
name = Beispielregel
enabled = False
source_ae = FOLLOW
target_nodes = Knoten1,Knoten2
plan_label_match = ADP
"""


def station(*names: str, disabled: tuple[str, ...] = ()) -> Settings:
    nodes = tuple(
        Node(name, name, "10.0.0.1", 104, enabled=name not in disabled, section=f"Node{i}")
        for i, name in enumerate(names, start=1)
    )
    return dataclasses.replace(default_settings("data"), nodes=nodes)


ORGANO_QA = station("ORGANO", "QA")


def load(tmp_path: Path, text: str, settings: Settings = ORGANO_QA) -> RulesConfig:
    path = tmp_path / "rules.ini"
    path.write_text(text, encoding="utf-8")
    return load_rules(path, settings)


def test_seed_readme_rules_load_unchanged(tmp_path):
    config = load(tmp_path, SEED_RULES)
    assert config == RulesConfig(
        rules_enabled=True,
        rules=(
            Rule(
                name="Ethos ADP Plans",
                source_aes=("FOLLOW",),
                target_nodes=("ORGANO",),
                plan_label_match="ADP",
                section="Rule1",
            ),
            Rule(
                name="Import Folder Rule",
                source_aes=("IMPORT_FOLDER",),
                target_nodes=("ORGANO",),
                plan_label_match="",
                section="Rule2",
            ),
        ),
        warnings=(),
    )
    assert config.active_rules == config.rules


def test_old_code_rules_switch_and_disabled_unknown_nodes_warn(tmp_path):
    config = load(tmp_path, OLD_CODE_RULES)
    assert config.rules_enabled is False
    assert config.active_rules == ()
    (rule,) = config.rules
    assert (rule.name, rule.enabled, rule.target_nodes) == (
        "Beispielregel",
        False,
        ("Knoten1", "Knoten2"),
    )
    (warning,) = config.warnings
    assert warning.startswith(
        "rules.ini [Rule1] target_nodes 'Knoten1,Knoten2': no nodes named 'Knoten1', "
        "'Knoten2' in settings.ini (known: ORGANO, QA)"
    )


def test_enabled_rule_naming_an_unknown_node_is_an_error(tmp_path):
    text = "[Rule1]\nname = Archive\nsource_ae = FOLLOW\ntarget_nodes = ARCHIVE\n"
    message = (
        "rules.ini [Rule1] target_nodes 'ARCHIVE': no node named 'ARCHIVE' in settings.ini "
        "(known: ORGANO, QA)"
    )
    with pytest.raises(RuleError, match=re.escape(message)) as info:
        load(tmp_path, text)
    assert (info.value.file, info.value.section, info.value.key) == (
        "rules.ini",
        "Rule1",
        "target_nodes",
    )
    assert isinstance(info.value, ConfigError)


def test_unknown_node_with_no_nodes_configured(tmp_path):
    with pytest.raises(RuleError, match=re.escape("in settings.ini (known: none)")):
        load(tmp_path, "[Rule1]\ntarget_nodes = ORGANO\n", default_settings("data"))


def test_target_nodes_match_names_ignoring_case(tmp_path):
    config = load(tmp_path, "[Rule1]\ntarget_nodes = organo, Qa\n")
    assert config.rules[0].target_nodes == ("organo", "Qa")
    assert config.warnings == ()


@pytest.mark.parametrize("key", ["plan_label_regex", "plan_name_regex"])
def test_invalid_regex_is_a_rule_error(tmp_path, key):
    message = f"rules.ini [Rule1] {key} '(ADP': is not a valid regular expression (missing )"
    with pytest.raises(RuleError, match=re.escape(message)):
        load(tmp_path, f"[Rule1]\ntarget_nodes = QA\n{key} = (ADP\n")


def test_bad_boolean_in_a_rule(tmp_path):
    message = "rules.ini [Rule1] enabled 'ja': must be True or False"
    with pytest.raises(RuleError, match=re.escape(message)):
        load(tmp_path, "[Rule1]\nenabled = ja\ntarget_nodes = QA\n")


def test_bad_ini_syntax_in_rules(tmp_path):
    message = "rules.ini line 2: 'target_nodes QA' is not a 'key = value' line"
    with pytest.raises(ConfigError, match=re.escape(message)):
        load(tmp_path, "[Rule1]\ntarget_nodes QA\n")


def test_additive_keys(tmp_path):
    config = load(
        tmp_path,
        r"""[Rule1]
name = Curative with dose
source_ae = FOLLOW, ECLIPSE , *
target_nodes = QA
plan_label_match = ADP
plan_label_exclude = TEST
plan_label_regex = ^ADP_\d+
plan_name_regex = boost
approved_only = yes
treatment_machines = TrueBeam1, Halcyon 2
plan_intents = curative, Palliative
required_modalities = rtdose
metrics_condition = dmax_gy <= 1.1 * prescription_gy
machine_mapping = TrueBeam1=TB1 Halcyon2 = HAL2
anonymize = on
""",
    )
    (rule,) = config.rules
    assert rule == Rule(
        name="Curative with dose",
        source_aes=("FOLLOW", "ECLIPSE", "*"),
        target_nodes=("QA",),
        plan_label_match="ADP",
        plan_label_exclude="TEST",
        plan_label_regex=r"^ADP_\d+",
        plan_name_regex="boost",
        approved_only=True,
        treatment_machines=("TrueBeam1", "Halcyon 2"),
        plan_intents=("CURATIVE", "PALLIATIVE"),
        required_modalities=("RTDOSE",),
        metrics_condition="dmax_gy <= 1.1 * prescription_gy",
        machine_mapping=(("TrueBeam1", "TB1"), ("Halcyon2", "HAL2")),
        anonymize=True,
        section="Rule1",
    )
    assert rule.any_source


def test_machine_mapping_with_commas_allows_spaces_in_names(tmp_path):
    config = load(tmp_path, "[Rule1]\ntarget_nodes = QA\nmachine_mapping = True Beam=TB1, B=C\n")
    assert config.rules[0].machine_mapping == (("True Beam", "TB1"), ("B", "C"))


def test_bad_machine_mapping(tmp_path):
    message = "rules.ini [Rule1] machine_mapping 'TB1': entry 'TB1' must look like MACHINE="
    with pytest.raises(RuleError, match=re.escape(message)):
        load(tmp_path, "[Rule1]\ntarget_nodes = QA\nmachine_mapping = TB1\n")


def test_bad_source_ae(tmp_path):
    message = (
        "rules.ini [Rule1] source_ae 'RADIOTHERAPY_PLANNING': AE title 'RADIOTHERAPY_PLANNING' "
        "must not exceed 16 characters"
    )
    with pytest.raises(RuleError, match=re.escape(message)):
        load(tmp_path, "[Rule1]\ntarget_nodes = QA\nsource_ae = RADIOTHERAPY_PLANNING\n")


def test_any_number_of_rules_in_number_order(tmp_path):
    numbers = [
        17,
        3,
        25,
        1,
        9,
        12,
        2,
        20,
        4,
        5,
        6,
        7,
        8,
        10,
        11,
        13,
        14,
        15,
        16,
        18,
        19,
        21,
        22,
        23,
        24,
    ]
    text = "\n".join(f"[Rule{n}]\nname = R{n}\ntarget_nodes = QA\n" for n in numbers)
    config = load(tmp_path, text)
    assert [rule.name for rule in config.rules] == [f"R{n}" for n in range(1, 26)]


def test_rule_without_name_is_named_after_its_section(tmp_path):
    config = load(tmp_path, "[Rule4]\ntarget_nodes = QA\n[Rule:Nightly]\ntarget_nodes = QA\n")
    assert [rule.name for rule in config.rules] == ["Rule4", "Nightly"]


def test_warnings_for_tolerated_problems(tmp_path):
    config = load(
        tmp_path,
        """[General]
rules_enabled = True
colour = blue
[Rule1]
target_nodes = QA
plan_intents = CURITIVE
frobnicate = 1
[Rule2]
target_nodes =
[Rule3]
name = x
target_nodes = MOBIUS
[Plugins]
a = b
""",
        station("QA", "MOBIUS", disabled=("MOBIUS",)),
    )
    text = "\n".join(config.warnings)
    assert "'CURITIVE' is not a defined RT Plan Intent" in text
    assert "rules.ini [Rule1]: unknown key 'frobnicate' is ignored" in text
    assert "rules.ini [Rule2] target_nodes '': names no node, so the rule sends nothing" in text
    assert "node 'MOBIUS' is disabled in settings.ini" in text
    assert "rules.ini [General]: unknown key 'colour' is ignored" in text
    assert "section [Plugins] is not a rule" in text


def test_duplicate_rule_names_warn(tmp_path):
    config = load(
        tmp_path, "[Rule1]\nname = A\ntarget_nodes = QA\n[Rule2]\nname = a\ntarget_nodes = QA\n"
    )
    assert len(config.rules) == 2
    assert any("[Rule1] has the same name" in warning for warning in config.warnings)


def test_missing_rules_file_means_no_rules(tmp_path):
    assert load_rules(tmp_path / "rules.ini", ORGANO_QA) == RulesConfig()


def test_rules_example_is_the_first_run_template():
    assert (REPO / "rules.ini.example").read_text(encoding="utf-8") == rules_template()


def test_rules_example_documents_every_key():
    example = (REPO / "rules.ini.example").read_text(encoding="utf-8")
    for spec in RULE_FIELDS:
        assert re.search(rf"\b{spec.keys[0].name}\b", example), spec.keys[0].name
    assert "rules_enabled" in example


def test_rules_example_rules_load_when_uncommented(tmp_path):
    example = (REPO / "rules.ini.example").read_text(encoding="utf-8")
    uncommented = re.sub(r"(?m)^# (\[Rule\d+\]|[a-z_]+ =.*)$", r"\1", example)
    config = load(tmp_path, uncommented)
    assert [rule.name for rule in config.rules] == [
        "Ethos ADP Plans",
        "Import Folder Rule",
        "Approved curative plans with dose to QA",
    ]
    assert config.rules[2].required_modalities == ("RTDOSE",)
    assert config.warnings == ()
