"""Derives the plan reference data (data/plan/*.toml) from the white-paper
transcription (data/seed/fy2020/*.toml), once, when a plan period starts.

The reference files are then maintained as data; this script documents where
their first version came from:  python3 tools/derive_plan_reference.py
"""

import pathlib
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "seed" / "fy2020"
OUT = ROOT / "data" / "plan"
DEPARTMENTS = ["企画部", "総務部", "市民部", "生活環境部", "スポーツと文化部",
               "健康福祉部", "子ども政策部", "都市整備部", "都市再生部", "教育部"]

# Who reports each KPI that is not a basic-plan indicator (the seed does not say).
KPI_OWNERS = {
    "合計特殊出生率": "子ども政策部",
    "保育園待機児童数": "子ども政策部",
    "学童保育所待機児童数": "子ども政策部",
    "従業者数（事業所単位）（注4）": "生活環境部",
    "三鷹駅南口中央通り東地区再開発推進事業": "都市再生部",
    "地域活動に取り組んでいる市民の割合（注5）": "生活環境部",
}


# Which way each indicator should move. The rule below reads the target against the
# baseline; these are the judgements it cannot make (a floor the plan accepts falling
# to, a ceiling written in words, a qualitative aim).
DIRECTION_OVERRIDES = {
    "2-2.2": "floor",      # 農地面積: keep at least 140ha
    "2-3.1": "floor",      # 製造業事業所数: keep at least 240
    "2-3.2": "floor",      # 製造品出荷額
    "2-4-1.1": "floor",    # 商店数
    "2-5.2": "floor",      # 高齢者就業支援事業の利用者数
    "3-2.2": "floor",      # 緑被率: keep at least 33%
    "7-1-2.1": "floor",    # 図書館の利用者数
    "4-2.2": "ceiling",    # 最終処分場に埋め立てるごみの量: 0
    "5-1.2": "qualitative",
    "8-2.1": "ceiling",    # 経常収支比率: 80%台 (below 90%)
    "8-2.2": "ceiling",    # 実質公債費比率: 概ね5%を超えない
    "8-2.3": "ceiling",    # 人件費比率: 概ね20%を超えない
}
# The number a target written in words stands for.
TARGET_VALUES = {"8-2.1": 90.0, "8-2.2": 5.0, "8-2.3": 20.0}


def leading_number(text):
    digits = ""
    for c in text.replace(",", "").strip():
        if c.isdigit() or c == ".":
            digits += c
        else:
            break
    return float(digits) if digits else None


def direction(ident, ind):
    if ident in DIRECTION_OVERRIDES:
        return DIRECTION_OVERRIDES[ident]
    target = ind["target"]
    if "維持" in target:
        return "maintain"
    if "以下" in target or "超えない" in target:
        return "ceiling"
    t = leading_number(target)
    b = leading_number(ind["baseline"])
    if b is None:
        b = leading_number(ind["early"])
    if t is None:
        return "qualitative"
    return "higher" if b is None or t >= b else "lower"


def q(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def strings(items):
    if not items:
        return "[]"
    return "[\n" + "".join(f"  {q(s)},\n" for s in items) + "]"


def compact(text):
    return "".join(text.split())


def basic_plan():
    policies, indicators, parts = [], [], {}
    for department in DEPARTMENTS:
        seed = tomllib.loads((SEED / f"{department}.toml").read_text())
        for policy in seed.get("policies", []):
            number = int(policy["code"].split("-")[0])
            parts.setdefault(number, policy["part"])
            policies.append((policy, department))
            for n, indicator in enumerate(policy.get("indicators", []), 1):
                indicators.append((f"{policy['code']}.{n}", policy["code"], indicator))
    policies.sort(key=lambda p: [int(x) for x in p[0]["code"].split("-")])
    order = {p[0]["code"]: i for i, p in enumerate(policies)}
    indicators.sort(key=lambda i: (order[i[1]], i[0]))
    out = ["# 第4次三鷹市基本計画（第2次改定）: 部・施策・目標指標 (計画期間の参照データ)",
           'name = "第4次三鷹市基本計画（第2次改定）"',
           'baseline_year = "平成22年度"', 'early_year = "平成26年度"',
           'middle_year = "平成30年度"', 'target_year = "令和4年度"', ""]
    for number in sorted(parts):
        out += ["[[parts]]", f"number = {number}", f"title = {q(parts[number])}", ""]
    for policy, department in policies:
        out += ["[[policies]]", f"code = {q(policy['code'])}", f"part = {int(policy['code'].split('-')[0])}",
                f"name = {q(policy['name'])}", f"department = {q(department)}",
                f"sections = {strings(policy['sections'])}", f"notes = {strings(policy['notes'])}", ""]
    for ident, code, ind in indicators:
        out += ["[[indicators]]", f"id = {q(ident)}", f"policy = {q(code)}", f"name = {q(ind['name'])}",
                f"unit = {q(ind['unit'])}", f"direction = {q(direction(ident, ind))}"]
        if ident in TARGET_VALUES:
            out.append(f"target_value = {TARGET_VALUES[ident]}")
        out += [f"baseline = {q(ind['baseline'])}", f"early = {q(ind['early'])}",
                f"middle = {q(ind['middle'])}", f"target = {q(ind['target'])}", ""]
    (OUT / "basic_plan.toml").write_text("\n".join(out))
    return {compact(ind["name"]): (ident, code) for ident, code, ind in indicators}, dict((p["code"], d) for p, d in policies)


def strategy(plan_names, policy_owner):
    seed = tomllib.loads((SEED / "strategy.toml").read_text())
    out = ["# 三鷹市まち・ひと・しごと創生総合戦略: 基本目標・数値目標・KPI (計画期間の参照データ)",
           f"name = {q(seed['name'])}", 'earlier_year = "平成26年度"', 'baseline_year = "平成30年度"',
           'target_year = "令和4年度"', ""]
    for goal in seed["goals"]:
        g = goal["numeric_goal"]
        out += ["[[goals]]", f"number = {goal['number']}", f"title = {q(goal['title'])}",
                f"direction = {strings(goal['direction'])}", f"notes = {strings(goal['notes'])}", "",
                "[goals.numeric_goal]", f"name = {q(g['name'])}", 'department = "企画部"',
                f"earlier = {q(g['h26'])}", f"baseline = {q(g['h30'])}", f"target = {q(g['target'])}", ""]
        for n, kpi in enumerate(goal["kpis"], 1):
            match = plan_names.get(compact(kpi["name"]))
            owner = policy_owner[match[1]] if match else KPI_OWNERS[kpi["name"]]
            out += ["[[goals.kpis]]", "id = " + q("K%d-%d" % (goal['number'], n)),
                    f"name = {q(kpi['name'])}", f"department = {q(owner)}"]
            if match:
                out.append(f"plan_indicator = {q(match[0])}")
            out += [f"earlier = {q(kpi['h26'])}", f"baseline = {q(kpi['baseline'])}", f"target = {q(kpi['target'])}", ""]
    (OUT / "strategy.toml").write_text("\n".join(out))


def action_plan():
    seed = tomllib.loads((SEED / "action_plan.toml").read_text())
    out = ["# 三鷹市都市経営アクションプラン2022: 体系・個別課題 (計画期間の参照データ)",
           f"name = {q(seed['name'])}",
           "# 全庁の個別課題は、この部がまとめて報告する",
           'whole_administration = "企画部"', ""]
    for group in seed["groups"]:
        out += ["[[groups]]", f"number = {group['number']}", f"title = {q(group['title'])}",
                f"systems = {group['systems']}", ""]
    for system in seed["systems"]:
        out += ["[[systems]]", f"number = {system['number']}", f"title = {q(system['title'])}", ""]
    for item in seed["items"]:
        out += ["[[items]]", f"id = {q(item['id'])}", f"system = {item['system']}", f"title = {q(item['title'])}",
                f"major = {'true' if item['major'] else 'false'}", f"departments = {strings(item['departments'])}",
                f"overview = {strings(item['overview'])}", ""]
    (OUT / "action_plan.toml").write_text("\n".join(out))


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    names, owners = basic_plan()
    strategy(names, owners)
    action_plan()
