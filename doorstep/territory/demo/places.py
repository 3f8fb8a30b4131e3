"""The demo city's data tables: Yichun's real divisions and codes, the places the article names,
and word pools for the synthetic rest.

Real: the city, its 10 county-level units (GB/T 2260), the urban subdistricts and county-seat
towns (statistical division codes, 2022), four community codes (明珠, 新苑, 封溪, 桂花) and
the place names the report prints (`shared/domain/yichun.md`). Approximate: the county-seat
centres (WGS-84, within a few km). Synthetic: every boundary, every other community and
compound name, every person, company and phone number. The compound names given to the named
communities (清华苑小区 …) are invented too: the report names only the communities.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class County:
    code: str
    name: str
    kind: str  # Region.Kind value
    center: tuple[float, float]  # approximate WGS-84 centre of the county seat
    half: float  # half-width in degrees of the synthetic urban-area square
    subdistricts: tuple[tuple[str, str, str], ...]  # (9-digit code, name, kind)
    seed_communities: int  # communities per subdistrict at seed scale


CITY = ("360900", "宜春市", "prefecture", (114.400039, 27.81113))

COUNTIES = (
    County(
        "360902",
        "袁州区",
        "district",
        (114.40, 27.81),
        0.065,
        (
            ("360902001", "灵泉街道", "subdistrict"),
            ("360902002", "秀江街道", "subdistrict"),
            ("360902004", "湛郎街道", "subdistrict"),
            ("360902005", "珠泉街道", "subdistrict"),
            ("360902006", "化成街道", "subdistrict"),
            ("360902007", "官园街道", "subdistrict"),
            ("360902008", "下浦街道", "subdistrict"),
            ("360902009", "凤凰街道", "subdistrict"),
            ("360902010", "金园街道", "subdistrict"),
            ("360902011", "新康府街道", "subdistrict"),
        ),
        12,
    ),
    County("360921", "奉新县", "county", (115.40, 28.70), 0.045, (("360921100", "冯川镇", "town"),), 14),
    County(
        "360922",
        "万载县",
        "county",
        (114.445, 28.106),
        0.045,
        (("360922001", "康乐街道", "subdistrict"),),
        16,
    ),
    County(
        "360923",
        "上高县",
        "county",
        (114.925, 28.238),
        0.045,
        (("360923001", "敖阳街道", "subdistrict"), ("360923002", "锦阳街道", "subdistrict")),
        9,
    ),
    County("360924", "宜丰县", "county", (114.803, 28.394), 0.045, (("360924100", "新昌镇", "town"),), 14),
    County("360925", "靖安县", "county", (115.36, 28.86), 0.045, (("360925100", "双溪镇", "town"),), 10),
    County("360926", "铜鼓县", "county", (114.37, 28.52), 0.045, (("360926100", "永宁镇", "town"),), 10),
    County(
        "360981",
        "丰城市",
        "county_city",
        (115.77, 28.16),
        0.05,
        (
            ("360981002", "剑光街道", "subdistrict"),
            ("360981006", "河洲街道", "subdistrict"),
            ("360981007", "剑南街道", "subdistrict"),
            ("360981008", "孙渡街道", "subdistrict"),
            ("360981009", "尚庄街道", "subdistrict"),
            ("360981010", "龙津洲街道", "subdistrict"),
        ),
        8,
    ),
    County(
        "360982",
        "樟树市",
        "county_city",
        (115.54, 28.06),
        0.05,
        (
            ("360982001", "淦阳街道", "subdistrict"),
            ("360982002", "鹿江街道", "subdistrict"),
            ("360982003", "福城街道", "subdistrict"),
            ("360982004", "大桥街道", "subdistrict"),
            ("360982005", "张家山街道", "subdistrict"),
        ),
        7,
    ),
    County(
        "360983",
        "高安市",
        "county_city",
        (115.37, 28.42),
        0.05,
        (("360983001", "瑞州街道", "subdistrict"), ("360983002", "筠阳街道", "subdistrict")),
        14,
    ),
)


@dataclass(frozen=True)
class NamedCommunity:
    subdistrict: str  # 9-digit code
    name: str
    code: str | None  # official 12-digit code where yichun.md gives one
    compounds: tuple[str, ...] = ()  # named (or invented, see module doc) compounds
    note: str = ""
    population: int | None = None
    extra: dict = field(default_factory=dict)


NAMED_COMMUNITIES = (
    NamedCommunity(
        "360902002",
        "宜阳社区",
        None,
        ("都市春天小区",),
        "model compound 都市春天小区; the 春天里 home-to-school bus line (13 compounds)",
    ),
    NamedCommunity("360923002", "锦阳社区", None, ("新城国际小区",), "红色物业 five-party meeting"),
    NamedCommunity("360981002", "坪垅湖社区", None, ("丰城天下小区",), "training base (实训)"),
    NamedCommunity("360925100", "清华社区", None, ("清华苑小区",), "30 riders as governance partners"),
    NamedCommunity(
        "360924100", "崇文社区", None, ("崇文小区",), "一月一联建 with the county court; 27 micro positions"
    ),
    NamedCommunity("360983001", "迎恩社区", None, ("迎恩小区",), "红木莲 station for riders"),
    NamedCommunity("360982001", "封溪社区", "360982001004", ("封溪小区",)),
    NamedCommunity("360902005", "明珠社区", "360902005006", ("明珠花园",)),
    NamedCommunity("360902006", "新苑社区", "360902006003", ("新苑小区",), population=8808),
    NamedCommunity("360924100", "桂花社区", "360924100004", ("桂花苑",)),
)

# The model compounds the article names (30 are reform samples at seed scale).
NAMED_MODEL_COMPOUNDS = ("都市春天小区", "新城国际小区", "丰城天下小区")
# 宜阳社区 holds more compounds than an average community: the bus line serves 13.
YIYANG_COMPOUNDS = 8

# Schools with custom home-to-school bus lines, placed as school grids in 袁州区.
SCHOOLS = (
    ("360902002", "袁河小学"),
    ("360902002", "宜春市第八中学"),
    ("360902002", "宜阳二中"),
    ("360902005", "宜春十中"),
    ("360902006", "袁州学校"),
    ("360902007", "数圆中学"),
    ("360902001", "宜春七中"),
)

# County departments that station people in compounds and publish contacts (部门下沉).
DEPARTMENTS = (
    ("urban", "城市管理局", "市容环境、占道经营、违章搭建"),
    ("market", "市场监督管理局", "食品安全、价格、消费投诉"),
    ("police", "公安局", "治安、户籍、矛盾纠纷"),
    ("fire", "消防救援大队", "消防安全、通道堵塞、电动车充电"),
    ("housing", "住房和城乡建设局", "物业管理、老旧小区改造、加装电梯"),
    ("civil", "民政局", "低保、养老、社区事务"),
    ("health", "卫生健康委员会", "家庭医生、疫苗、健康服务"),
    ("justice", "司法局", "法律援助、人民调解"),
    ("environment", "生态环境局", "噪声、油烟、污水"),
    ("emergency", "应急管理局", "安全生产、防汛、应急"),
    ("hr", "人力资源和社会保障局", "就业、社保、零工"),
)
# Departments with a contact in every community (the article's 城管、市监、公安、消防).
STATIONED = ("urban", "market", "police", "fire")

CO_BUILDING_UNITS = (
    "人民法院机关党总支",
    "税务局机关党支部",
    "自然资源局机关党支部",
    "供电公司党支部",
    "人民医院党总支",
)

# --- word pools for synthetic names ---------------------------------------------------------

COMMUNITY_WORDS = (
    "东风 建设 文化 幸福 和平 朝阳 新华 民主 胜利 人民 光明 团结 长青 滨江 锦绣 振兴 春台 袁山 秀峰 "
    "北湖 南庙 东门 西门 中山 解放 环城 化工 钓台 沿江 花园 状元 鼓楼 育才 春晖 翠湖 卫东 红星 "
    "工农 向阳 前进 五一 群英 宏伟 安居 康宁 永和 新民 凤岭 月亮 明月 袁河 仰山 温汤 彬江 官桥 "
    "下浦 湛郎 金园 灵泉 珠泉 化成 官园 新康 龙泉 白鹭 观澜 清江 药都 瑞阳 筠州 锦江 潦河 "
    "定江 康乐 敖山 双溪 永宁 新昌 冯川 剑邑 龙津 孙渡 尚庄 河洲 鹿江 福城 大桥 张家"
).split()
COMPOUND_WORDS = (
    "春华 秋实 金桂 银杏 丹枫 翠竹 兰亭 梅园 荷塘 松涛 紫薇 海棠 玉兰 丁香 桃源 柳岸 杏林 樱花 "
    "锦华 瑞景 嘉和 怡园 颐和 悦府 雅居 康城 福苑 泰和 盛世 华府 名门 君临 鼎盛 天韵 水岸 江南 "
    "东方 明珠 阳光 星河 碧水 青山 绿洲 晨曦 晓月 星辰 润泽 恒丰 德馨 仁和 永安 长乐 新天地"
).split()
OLD_SUFFIXES = ("小区", "新村", "宿舍", "公寓", "小区")
NEW_SUFFIXES = ("花园", "华府", "名城", "苑", "国际", "雅苑", "府", "公馆")
OLD_UNITS = (
    "供电局",
    "粮食局",
    "纺织厂",
    "机械厂",
    "化肥厂",
    "教育局",
    "卫生局",
    "交通局",
    "林业局",
    "农机厂",
)

COMPANY_WORDS = (
    "春和 景明 惠风 和畅 清泉 明月 嘉禾 丰泰 安顺 宜居 锦程 瑞丰 恒信 诚达 汇通 鑫源 永盛 泰安 "
    "康悦 佳宜 益民 惠民 宁馨 华安 昌盛 德润 祥和 和美 美好 至诚 信达 通达 安泰 同心 聚福 广源"
).split()

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔"
)
# Common surnames first: weights fall off with position.
GIVEN_MALE = "伟 强 磊 军 勇 杰 涛 斌 超 明 刚 平 辉 鹏 华 飞 鑫 波 宇 浩 凯 健 俊 帆 帅 旭 宁 龙 林 洋 文 建 国 志 海 春 生 荣 峰 晨".split()
GIVEN_FEMALE = "芳 娜 敏 静 丽 艳 娟 霞 秀 玲 桂 英 华 红 梅 琳 燕 萍 雪 婷 慧 莹 倩 洁 颖 琴 兰 凤 洋 月 佳 欣 晶 莉 丹 璐 悦 怡 瑶 彤".split()
