"""The roster workbook (台账): its sheets, Chinese headers and the Chinese words for each choice.

The workbook is a file format shared with people who fill it in by hand, so sheet names,
headers and choice labels are fixed Chinese strings here, not UI translations: a file
downloaded in the English UI imports the same way. The labels follow the Chinese UI words.
A header ending in "*" marks a required column; the star is not part of the name.
"""

from dataclasses import dataclass, field

from doorstep.territory.models import Dwelling, Grid, HouseholdMember, Organization, Person, Region


@dataclass(frozen=True)
class Choice:
    """A closed list: stored value → Chinese label, plus other spellings accepted on import."""

    labels: dict[str, str]
    aliases: dict[str, str] = field(default_factory=dict)

    def lookup(self) -> dict[str, str]:
        table = {}
        for value, label in self.labels.items():
            table[value.lower()] = value
            table[label] = value
        for alias, value in self.aliases.items():
            table[alias] = value
        return table

    def label(self, value) -> str:
        return self.labels.get(value, "") if value not in (None, "") else ""


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    choice: Choice | None = None
    width: int = 14
    text: bool = False  # keep as text in Excel (codes, ID numbers, phones)
    multi: bool = False  # several values separated by 、
    hint: str = ""

    @property
    def title(self) -> str:
        return self.header + ("*" if self.required else "")


@dataclass(frozen=True)
class Sheet:
    key: str
    title: str
    note: str
    columns: tuple[Column, ...]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


YES_NO = Choice(
    {"1": "是", "0": "否"},
    {
        "Y": "1",
        "N": "0",
        "y": "1",
        "n": "0",
        "TRUE": "1",
        "FALSE": "0",
        "true": "1",
        "false": "0",
        "有": "1",
        "无": "0",
        "√": "1",
        "×": "0",
    },
)
HAS = Choice(
    {"1": "有", "0": "无"},
    {
        "是": "1",
        "否": "0",
        "Y": "1",
        "N": "0",
        "y": "1",
        "n": "0",
        "TRUE": "1",
        "FALSE": "0",
        "true": "1",
        "false": "0",
        "√": "1",
        "×": "0",
    },
)

L = Region.Level
LEVEL = Choice(
    {
        str(L.CITY): "市",
        str(L.COUNTY): "县（市、区）",
        str(L.SUBDISTRICT): "街道（乡镇）",
        str(L.COMMUNITY): "社区",
    },
    {
        "县": "2",
        "区": "2",
        "县区": "2",
        "县（区）": "2",
        "县/区": "2",
        "街道": "3",
        "镇": "3",
        "乡": "3",
        "乡镇": "3",
        "街道（镇）": "3",
        "村": "4",
        "社区（村）": "4",
    },
)
K = Region.Kind
REGION_KIND = Choice(
    {
        K.PREFECTURE: "地级市",
        K.DISTRICT: "市辖区",
        K.COUNTY: "县",
        K.COUNTY_CITY: "县级市",
        K.SUBDISTRICT: "街道",
        K.TOWN: "镇",
        K.TOWNSHIP: "乡",
        K.COMMUNITY: "社区",
        K.VILLAGE: "村",
    },
    {"区": K.DISTRICT},
)
# The level each finer kind belongs to.
KIND_LEVEL = {
    K.PREFECTURE: L.CITY,
    K.DISTRICT: L.COUNTY,
    K.COUNTY: L.COUNTY,
    K.COUNTY_CITY: L.COUNTY,
    K.SUBDISTRICT: L.SUBDISTRICT,
    K.TOWN: L.SUBDISTRICT,
    K.TOWNSHIP: L.SUBDISTRICT,
    K.COMMUNITY: L.COMMUNITY,
    K.VILLAGE: L.COMMUNITY,
    K.COMPOUND: L.COMPOUND,
}

G = Grid.Kind
GRID_KIND = Choice(
    {
        G.RESIDENTIAL: "居民网格",
        G.SCHOOL: "学校专属网格",
        G.HOSPITAL: "医院专属网格",
        G.MARKET: "市场专属网格",
        G.ENTERPRISE: "企业专属网格",
        G.PARK: "园区专属网格",
        G.COMMERCIAL: "商圈专属网格",
        G.OTHER: "其他专属网格",
    },
    {
        "居民": G.RESIDENTIAL,
        "住宅网格": G.RESIDENTIAL,
        "学校": G.SCHOOL,
        "医院": G.HOSPITAL,
        "市场": G.MARKET,
        "企业": G.ENTERPRISE,
        "园区": G.PARK,
        "商圈": G.COMMERCIAL,
        "其他": G.OTHER,
        "学校网格": G.SCHOOL,
        "医院网格": G.HOSPITAL,
        "市场网格": G.MARKET,
        "企业网格": G.ENTERPRISE,
        "园区网格": G.PARK,
        "商圈网格": G.COMMERCIAL,
    },
)
D = Grid.Duty
DUTY = Choice(
    {
        D.PARTY: "党建",
        D.GOVERNANCE: "综治",
        D.URBAN: "城管",
        D.CIVIL: "民政",
        D.FIRE: "消防",
        D.MARKET: "市场监管",
        D.SAFETY: "安全生产",
        D.ENVIRONMENT: "生态环境",
        D.EMERGENCY: "应急管理",
    },
    {"环保": D.ENVIRONMENT, "应急": D.EMERGENCY, "综合治理": D.GOVERNANCE, "城市管理": D.URBAN},
)
USE = Choice(
    {Dwelling.Use.RESIDENTIAL: "住宅", Dwelling.Use.COMMERCIAL: "商业"},
    {"商铺": "commercial", "非住宅": "commercial"},
)
AREA_SOURCE = Choice(
    {
        Dwelling.AreaSource.REGISTER: "不动产登记",
        Dwelling.AreaSource.SURVEY: "测绘",
        Dwelling.AreaSource.CONTRACT: "买卖合同",
    },
    {"产权登记": "register", "房产证": "register", "测绘报告": "survey", "合同": "contract"},
)
OWNER_TYPE = Choice(
    {"person": "个人", "organization": "单位"}, {"企业": "organization", "组织": "organization"}
)
GENDER = Choice({Person.Gender.MALE: "男", Person.Gender.FEMALE: "女"})
R = HouseholdMember.Relation
RELATION = Choice(
    {
        R.HEAD: "户主",
        R.SPOUSE: "配偶",
        R.CHILD: "子女",
        R.PARENT: "父母",
        R.OTHER: "其他亲属",
        R.TENANT: "租户",
    },
    {
        "本人": R.HEAD,
        "妻": R.SPOUSE,
        "夫": R.SPOUSE,
        "妻子": R.SPOUSE,
        "丈夫": R.SPOUSE,
        "子": R.CHILD,
        "女": R.CHILD,
        "儿子": R.CHILD,
        "女儿": R.CHILD,
        "父亲": R.PARENT,
        "母亲": R.PARENT,
        "其他": R.OTHER,
        "租客": R.TENANT,
    },
)
OK = Organization.Kind
ORG_KIND = Choice(
    {
        OK.PARTY_WORKING_COMMITTEE: "街道党工委",
        OK.PARTY_COMMITTEE: "党委",
        OK.PARTY_GENERAL_BRANCH: "党总支",
        OK.PARTY_BRANCH: "党支部",
        OK.PARTY_GROUP: "楼栋党小组",
        OK.CENTER_HOUSEHOLD: "党员中心户",
        OK.OWNERS_COMMITTEE: "业主委员会",
        OK.PROPERTY_MANAGEMENT_COMMITTEE: "物业管理委员会",
        OK.PROPERTY_COMPANY: "物业服务企业",
        OK.CO_BUILDING_UNIT: "共建单位",
        OK.RESIDENT_UNIT: "驻在单位",
        OK.VOLUNTEER_ORG: "志愿者组织",
        OK.PLATFORM: "新就业群体平台企业",
        OK.STATION: "配送站点",
        OK.DEPARTMENT: "职能部门",
        OK.DEVELOPER: "开发建设单位",
        OK.RESIDENTS_COMMITTEE: "社区居民委员会",
        OK.STATE_ENTERPRISE: "国有企业",
        OK.JOINT_BODY: "红色物业五方联席机制",
        OK.OTHER: "其他组织",
    },
    {
        "党工委": OK.PARTY_WORKING_COMMITTEE,
        "社区党委": OK.PARTY_COMMITTEE,
        "党小组": OK.PARTY_GROUP,
        "业委会": OK.OWNERS_COMMITTEE,
        "物管会": OK.PROPERTY_MANAGEMENT_COMMITTEE,
        "物业公司": OK.PROPERTY_COMPANY,
        "物业企业": OK.PROPERTY_COMPANY,
        "平台企业": OK.PLATFORM,
        "站点": OK.STATION,
        "开发商": OK.DEVELOPER,
        "五方联席": OK.JOINT_BODY,
        "居委会": OK.RESIDENTS_COMMITTEE,
        "国企": OK.STATE_ENTERPRISE,
        "其他": OK.OTHER,
    },
)
COMPANY_MODE = Choice(
    {Organization.CompanyMode.MARKET: "市场化", Organization.CompanyMode.PUBLIC_WELFARE: "公益性"},
    {"市场化企业": "market", "公益性企业": "public_welfare"},
)

# Dwelling key columns, shared by the sheets that point at a dwelling.
_COMPOUND = Column("compound", "小区代码", required=True, text=True, width=16)
_BUILDING = Column("building", "楼栋号", required=True, text=True, width=10)
_UNIT = Column("unit", "单元", required=True, width=8, hint="数字，如 1")
_ROOM = Column("room", "房号", required=True, text=True, width=10)

REGIONS = Sheet(
    "regions",
    "区域",
    "市、县（市、区）、街道（乡镇）、社区；小区填在「小区」表。上级代码指向本表或系统中已有的区域。",
    (
        Column(
            "code", "区划代码", required=True, text=True, width=16, hint="官方 12 位统计用区划代码或本地编码"
        ),
        Column("name", "名称", required=True, width=18),
        Column("level", "层级", required=True, choice=LEVEL),
        Column("kind", "类型", choice=REGION_KIND),
        Column("parent", "上级代码", text=True, width=16, hint="市可留空，其余必填"),
        Column("official", "官方代码", choice=YES_NO, width=10),
        Column("population", "人口", width=10),
        Column("address", "地址", width=24),
    ),
)
COMPOUNDS = Sheet(
    "compounds",
    "小区",
    "每行一个小区，所属社区代码指向「区域」表或系统中已有的社区。",
    (
        Column("code", "小区代码", required=True, text=True, width=16),
        Column("name", "小区名称", required=True, width=18),
        Column("community", "所属社区代码", required=True, text=True, width=16),
        Column("address", "地址", width=24),
        Column("old", "老旧小区", choice=YES_NO, width=10),
        Column("built_year", "建成年份", width=10),
    ),
)
GRIDS = Sheet(
    "grids",
    "网格",
    "多格合一职责、覆盖小区代码可填多个，用顿号「、」分隔。",
    (
        Column("code", "网格代码", required=True, text=True, width=16),
        Column("name", "网格名称", required=True, width=16),
        Column("kind", "网格类型", choice=GRID_KIND, width=14),
        Column("community", "所属社区代码", required=True, text=True, width=16),
        Column("duties", "多格合一职责", choice=DUTY, multi=True, width=24),
        Column("compounds", "覆盖小区代码", text=True, multi=True, width=24),
    ),
)
BUILDINGS = Sheet(
    "buildings",
    "楼栋",
    "小区代码 + 楼栋号 唯一确定一栋楼。",
    (
        _COMPOUND,
        Column("number", "楼栋号", required=True, text=True, width=10),
        Column("floors", "层数", required=True, width=8),
        Column("units", "单元数", width=8),
        Column("elevator", "电梯", choice=HAS, width=8),
        Column("built_year", "建成年份", width=10),
    ),
)
DWELLINGS = Sheet(
    "dwellings",
    "房屋",
    "小区代码 + 楼栋号 + 单元 + 房号 唯一确定一户；面积为正数，最多两位小数。",
    (
        _COMPOUND,
        _BUILDING,
        _UNIT,
        _ROOM,
        Column("floor", "楼层", width=8),
        Column("area", "专有部分面积（㎡）", required=True, width=16),
        Column("use", "用途", choice=USE, width=8),
        Column("area_source", "面积来源", choice=AREA_SOURCE, width=12),
    ),
)
OWNERS = Sheet(
    "owners",
    "业主",
    "一行一位业主；同一户有多位共有人时每人一行并标「共有」为「是」；标「否」表示该户唯一业主，原有其他业主将终止登记。",
    (
        _COMPOUND,
        _BUILDING,
        _UNIT,
        _ROOM,
        Column("name", "业主姓名或单位名称", required=True, width=18),
        Column("owner_type", "业主类型", choice=OWNER_TYPE, width=10),
        Column("id_number", "身份证号", text=True, width=21),
        Column("phone", "手机号", text=True, width=14),
        Column("co_owner", "共有", choice=YES_NO, width=8),
        Column("registered_on", "登记日期", width=12, hint="如 2020-05-01"),
        Column("certificate", "不动产权证号", text=True, width=20),
        Column("unsold", "开发商未售", choice=YES_NO, width=10),
    ),
)
RESIDENTS = Sheet(
    "residents",
    "居民",
    "居住区域填小区代码（或社区代码）；住在某户时再填楼栋号、单元、房号和与户主关系。",
    (
        Column("name", "姓名", required=True, width=12),
        Column("id_number", "身份证号", text=True, width=21),
        Column("phone", "手机号", text=True, width=14),
        Column("gender", "性别", choice=GENDER, width=6),
        Column("region", "居住小区或社区代码", required=True, text=True, width=18),
        Column("building", "楼栋号", text=True, width=10),
        Column("unit", "单元", width=8),
        Column("room", "房号", text=True, width=10),
        Column("relation", "与户主关系", choice=RELATION, width=12),
    ),
)
ORGANIZATIONS = Sheet(
    "organizations",
    "组织",
    "所属区域代码 + 组织名称 唯一确定一个组织；上级组织、举办单位填组织名称。楼栋党小组填楼栋号，党员中心户再填单元和房号。",
    (
        Column("name", "组织名称", required=True, width=22),
        Column("kind", "组织类型", required=True, choice=ORG_KIND, width=18),
        Column("region", "所属区域代码", required=True, text=True, width=16),
        Column("parent", "上级组织", width=20),
        Column("grid", "网格代码", text=True, width=14),
        Column("building", "楼栋号", text=True, width=10),
        Column("unit", "单元", width=8),
        Column("room", "房号", text=True, width=10),
        Column("term_start", "任期开始", width=12),
        Column("term_end", "任期结束", width=12),
        Column("company_mode", "物业企业性质", choice=COMPANY_MODE, width=12),
        Column("sponsor", "举办单位", width=20),
        Column("credit_code", "统一社会信用代码", text=True, width=20),
        Column("phone", "联系电话", text=True, width=14),
    ),
)

# In the order of the workbook (the brief's order); imports run in dependency order instead.
SHEETS: tuple[Sheet, ...] = (
    REGIONS,
    COMPOUNDS,
    GRIDS,
    BUILDINGS,
    DWELLINGS,
    OWNERS,
    RESIDENTS,
    ORGANIZATIONS,
)
BY_TITLE = {s.title: s for s in SHEETS}
NOTES_TITLE = "说明"

GENERAL_NOTES = (
    "本工作簿用于导入、导出台账。每张表第 1 行为填写提示，第 2 行为表头，自第 3 行起每行一条记录。",
    "表头带 * 的列必填；选项列请从下拉列表中选择；日期写作 2024-05-01；多个值用顿号「、」分隔。",
    "导入时先整体校验：只要有一处错误，就一条也不写入，并给出错误报告（工作表、行号、列、原因）。",
    "再次导入同一台账会更新已有记录而不会重复：区域、小区、网格按代码；楼栋按小区代码+楼栋号；"
    "房屋按小区代码+楼栋号+单元+房号；组织按所属区域代码+名称；人员按身份证号，没有身份证号时按姓名+手机号。",
    "更新已有记录时，留空的非必填单元格保持系统中的原值。",
    "导出的台账默认对姓名、手机号、身份证号脱敏（如 138****1234）；重新导入时脱敏值不会覆盖系统中的真实数据。",
    "只能导入、导出本人负责区域内的数据；超出范围的行会在报告中列出。",
)


def normalise_header(text) -> str:
    """'区划代码*' / ' 区划代码 ＊' → '区划代码'."""
    if text is None:
        return ""
    return str(text).strip().rstrip("*＊").strip()
