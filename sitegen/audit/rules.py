"""The openness rules the audit enforces, as data: id, title, the article behind it, severity."""

from __future__ import annotations

from dataclasses import dataclass

from ..diagnostics import Severity

# The sources, written once. Article numbers are those of the texts in force: 条例 is the 2019
# revision (国务院令第711号); 22号 is quoted in full in the project's seeds.
TIAOLI = "《中华人民共和国政府信息公开条例》"
XUKE = "《中华人民共和国行政许可法》"
MEN_NAN_JIN = "《湖北省解决党政机关“门难进、脸难看、事难办”问题的若干规定》"
EFA_22 = "《省委常委直接联系群众制度》（鄂发〔2013〕22号）"
ZHIYIN = "《政府网站发展指引》（国办发〔2017〕47号）"


@dataclass(frozen=True, slots=True)
class Rule:
    id: str  # stable: site.yaml's `audit: rules:` and the diagnostics' code ("audit." + id) use it
    title: str
    source: str
    severity: Severity = Severity.ERROR


RULES: tuple[Rule, ...] = (
    Rule("department.duties-phones", "各部门公开基本职责和联系电话",
         f"{MEN_NAN_JIN}（门卫或值班人员提供标明单位职能部门基本职责及联系电话的资料）；{TIAOLI}第二十条第（二）项"),
    Rule("procedure.basis", "办事依据写明法律法规名称",
         f"{XUKE}第三十条；{TIAOLI}第二十条第（五）项", Severity.WARNING),
    Rule("procedure.catch-all-condition", "办理条件不设“其他条件”等兜底条款",
         f"{XUKE}第三十条；{MEN_NAN_JIN}（简化手续流程、规范审批行为）"),
    Rule("procedure.catch-all-material", "申请材料不设“其他材料”等兜底条款",
         f"{XUKE}第三十条（需要提交的全部材料的目录）；{MEN_NAN_JIN}（简化手续流程）"),
    Rule("procedure.materials", "申请材料写明原件或复印件及份数",
         f"{XUKE}第三十条；{TIAOLI}第二十条第（五）项"),
    Rule("procedure.time-limit", "承诺时限明确且不长于法定时限",
         f"{XUKE}第三十条、第四十二条；{MEN_NAN_JIN}（限时办结）"),
    Rule("procedure.fee", "收费事项写明“不收费”或收费标准",
         f"{TIAOLI}第二十条第（八）项；{XUKE}第五十八条、第五十九条"),
    Rule("reception.elements", "接访公开领导姓名、职务、分管工作和接访时间、地点、方式",
         f"{EFA_22}三、定期接待群众来访制度"),
    Rule("reception.published-in-advance", "接访安排在接访日之前公开并及时更新状态",
         f"{EFA_22}三、定期接待群众来访制度（公开接待时间、地点和方式，方便群众参与）", Severity.WARNING),
    Rule("reception.reason", "取消或延期的接访写明具体原因",
         f"{EFA_22}三、定期接待群众来访制度（方便群众参与）"),
    Rule("reception.postponed-new-date", "延期的接访公布新的接访安排",
         f"{EFA_22}三、定期接待群众来访制度（方便群众参与）", Severity.WARNING),
    Rule("leader.reception-this-year", "每位领导本年度至少安排一次接访",
         f"{EFA_22}三、定期接待群众来访制度（每年至少安排接待群众来访1次）"),
    Rule("leader.quotas", "领导直接联系群众的年度要求已达到",
         f"{EFA_22}一、调查研究制度；二、基层联系点制度；三、定期接待群众来访制度；五、与群众交心谈心制度"),
    Rule("leader.activity-unreported", "领导直接联系群众的年度数据已报送",
         f"{EFA_22}（建立省委常委直接联系群众工作落实机制）", Severity.WARNING),
    Rule("leader.receptions-figure", "报送的接访次数与公开的接访记录一致",
         f"{EFA_22}三、定期接待群众来访制度（接访要建立工作台账）", Severity.WARNING),
    Rule("leader.contact-points", "公开县（市）和基层单位联系点，3年一轮换",
         f"{EFA_22}二、基层联系点制度", Severity.WARNING),
    Rule("hall.working-hours", "服务大厅和窗口在正常工作时间对外开放",
         f"{MEN_NAN_JIN}（正常工作时间内，政务服务大厅及服务单位窗口一律对所有办事人员开放）；"
         f"{TIAOLI}第二十条第（二）项"),
    Rule("site.identity", "网站标识完整规范（主办单位、网站标识码、ICP备案号、公安备案号）",
         f"{ZHIYIN}（网站页面底部标注主办单位、网站标识码、ICP备案编号、公安机关备案标识）"),
    Rule("freshness.phones-stale", "联系电话定期核实",
         f"{MEN_NAN_JIN}（提供标明基本职责及联系电话的资料）；{TIAOLI}第二十条第（二）项"),
    Rule("freshness.phones-unverified", "联系电话注明最近核实日期",
         f"{MEN_NAN_JIN}（提供标明基本职责及联系电话的资料）；{TIAOLI}第二十条第（二）项", Severity.WARNING),
    Rule("freshness.notices", "通知公告栏目及时更新", f"{ZHIYIN}（及时更新栏目信息）；{TIAOLI}第二十六条"),
    Rule("freshness.policies", "政策文件栏目及时更新",
         f"{ZHIYIN}（及时更新栏目信息）；{TIAOLI}第二十条第（一）项", Severity.WARNING),
    Rule("freshness.policy-published", "政策文件自形成之日起20个工作日内公开",
         f"{TIAOLI}第二十六条（自该政府信息形成或者变更之日起20个工作日内及时公开）"),
    Rule("holidays.current-year", "节假日安排覆盖本年度（用于计算工作日）",
         "国务院办公厅关于当年部分节假日安排的通知；" + f"{TIAOLI}第二十六条", Severity.WARNING),
)

RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}


@dataclass(frozen=True, slots=True)
class Quota:
    """One yearly commitment of 22号, and where its recorded figure comes from."""

    key: str  # an `Activity` field; "receptions" is counted from the reception records instead
    label: str
    target: int
    unit: str  # 天 / 次
    requirement: str  # as the document words it
    clause: str
    audited: bool = True  # 蹲点调研 “3天左右” is approximate: shown, not audited


QUOTAS: tuple[Quota, ...] = (
    Quota("research_days", "到基层调研", 30, "天", "每年不少于30天", "一、调查研究制度"),
    Quota("squat_days", "蹲点调研", 3, "天", "每年至少1次、3天左右", "一、调查研究制度", audited=False),
    Quota("county_visits", "深入县（市）联系点", 2, "次", "每年不少于2次", "二、基层联系点制度"),
    Quota("unit_visits", "到基层单位联系点", 1, "次", "每年不少于1次", "二、基层联系点制度"),
    Quota("receptions", "接待群众来访", 1, "次", "每年至少1次", "三、定期接待群众来访制度"),
    Quota("heart_talks", "有组织的谈心活动", 2, "次", "每年至少2次", "五、与群众交心谈心制度"),
)
CONTACT_POINT_YEARS = 3  # 22号 二：联系点 3年一轮换
