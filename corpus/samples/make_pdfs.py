"""Regenerate the sample PDFs and the DOCX in corpus/samples from the texts below (our own wording).

Run from the repository root: ``.venv/bin/python corpus/samples/make_pdfs.py``. Needs reportlab and, for
the Chinese PDF, nothing else (it uses the non-embedded CID font STSong-Light); python-docx for the DOCX.
"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "tests"))

ZH_NOTICE_TITLE = "某省人民政府关于支持量子信息产业高质量发展的若干措施"
ZH_NOTICE = [
    ZH_NOTICE_TITLE,
    "各市、县人民政府，省政府各部门、各直属机构：",
    "为贯彻落实国家科技创新战略部署，加快构建具有全省特色的量子信息产业体系，现提出以下措施。",
    "一、加强统筹协调。成立由省政府主要负责同志任组长的量子科技发展领导小组，建立省市联动、部门协同的工作机制，"
    "编制全省量子信息产业发展规划，2025年底前形成覆盖研发、制造、应用的完整政策体系。",
    "二、加大财政投入。设立总规模50亿元的量子产业投资基金，省级财政每年安排不少于5亿元专项资金，"
    "对承担国家重大科技项目的单位按照国家资助额的30%给予配套支持。",
    "三、夯实基础研究。支持省实验室围绕量子计算、量子通信和量子精密测量开展前沿探索，"
    "设立自然科学基金量子专项，对长期从事基础研究的团队给予稳定支持，每个团队最高资助2000万元。",
    "四、促进成果转化。建设量子技术中试平台和概念验证中心，鼓励高校院所以作价入股、许可等方式向企业转让科技成果，"
    "科研人员成果转化收益比例不低于70%。培育一批量子领域专精特新中小企业和高新技术企业。",
    "五、强化人才培养。实施量子英才计划，引进海外高层次人才和创新团队，支持高校设置量子信息科学本科专业，"
    "到2025年底前培养量子领域专业人才3000人以上，对顶尖人才给予最高1000万元综合资助。",
    "六、提升产业链自主可控能力。聚焦单光子探测器、稀释制冷机、超导量子芯片等关键核心器件开展攻关，"
    "建立首台套应用奖励机制，推动国产化替代，增强供应链韧性和安全水平。",
    "七、优化创新生态，深化国际合作。支持举办量子科技国际论坛，鼓励企业和科研机构参与国际标准制定，"
    "与“一带一路”沿线国家共建联合实验室，在知识产权保护、科技金融、应用场景开放等方面营造良好环境。",
    "本措施自发布之日起施行，有效期至2027年12月31日。",
]

EN_ACT_TITLE = "National Quantum Program Act (illustrative excerpt)"
EN_ACT = [
    EN_ACT_TITLE,
    "SEC. 101. NATIONAL QUANTUM COORDINATION OFFICE.",
    "(a) ESTABLISHMENT.-The Director shall establish a National Quantum Coordination Office to set a "
    "ten-year strategy for quantum information science, to coordinate the research programs of Federal "
    "agencies, and to report annually to Congress on progress and remaining gaps.",
    "(b) GOVERNANCE.-The Office shall convene an advisory committee of experts from industry, universities "
    "and national laboratories, which shall review the strategy at least once every three years.",
    "SEC. 102. BASIC RESEARCH AND CENTERS.",
    "The Director shall award grants, on a competitive, merit-reviewed basis, to establish not fewer than "
    "five multidisciplinary centers for fundamental research in quantum computing, sensing and networking.",
    "SEC. 103. TECHNOLOGY TRANSFER AND SMALL BUSINESSES.",
    "The Secretary of Commerce shall carry out a program to support the transfer of quantum technologies "
    "from Federal laboratories to the private sector, including prototype testbeds open to startups and "
    "small businesses and a voucher program for industry access to quantum hardware.",
    "SEC. 104. WORKFORCE DEVELOPMENT.",
    "The Director shall support fellowships, traineeships and curriculum development to expand the quantum "
    "workforce, with particular attention to community colleges and minority-serving institutions.",
    "SEC. 105. SUPPLY CHAIN SECURITY.",
    "The Secretary shall assess the domestic supply chain for cryogenic systems, lasers, photonic "
    "components and isotopes, and shall identify critical dependencies on foreign sources.",
    "SEC. 106. INTERNATIONAL COOPERATION.",
    "The Office shall pursue research partnerships with allied nations and shall promote the development "
    "of international standards for quantum-safe communications.",
    "SEC. 107. AUTHORIZATION OF APPROPRIATIONS.",
    "There is authorized to be appropriated $250,000,000 for each of fiscal years 2025 through 2029 to "
    "carry out this Act, of which $50,000,000 for each fiscal year shall be used for the centers under "
    "section 102.",
]


def build_docx(path: Path) -> None:
    import docx

    d = docx.Document()
    d.core_properties.title = "某市量子科技人才与产业链专项行动方案"
    d.add_heading("某市量子科技人才与产业链专项行动方案（2024—2026年）", level=1)
    for para in [
        "为打造量子科技创新高地，市科技局会同市财政局、市人力资源社会保障局制定本行动方案。",
        "（一）人才引育。设立量子青年科学家项目，每年遴选20名45岁以下青年人才，给予每人200万元科研经费；"
        "支持企业与高校共建博士后工作站，联合培养工程硕士和博士。",
        "（二）产业链攻关。围绕测控电子学、低温微波器件和量子软件实施“揭榜挂帅”，单个项目最高支持3000万元，"
        "突破关键核心技术，减少对进口设备的依赖。",
        "（三）企业培育。对首次认定的量子领域高新技术企业给予50万元奖励，"
        "对牵头制定国际标准的企业给予100万元奖励。",
    ]:
        d.add_paragraph(para)
    table = d.add_table(rows=1, cols=3)
    for cell, head in zip(table.rows[0].cells, ("任务", "牵头单位", "完成时限")):
        cell.text = head
    for row in (("建设量子计算公共服务平台", "市科技局", "2025年底前"),
                ("设立量子产业引导基金10亿元", "市财政局", "2024年"),
                ("举办国际量子产业合作大会", "市商务局", "每年")):
        cells = table.add_row().cells
        for cell, value in zip(cells, row):
            cell.text = value
    d.add_paragraph("各牵头单位要加强督促检查，每半年向市政府报告进展情况。")
    d.save(str(path))


def main() -> None:
    from pdfgen import make_pdf

    make_pdf(HERE / "zh_provincial_quantum_industry_measures.pdf", ZH_NOTICE, font="cid", size=13, leading=26,
             header="某省人民政府文件", footer="省政府办公厅印发", page_numbers=True)
    make_pdf(HERE / "en_national_quantum_program_act.pdf", EN_ACT, size=11,
             header="NATIONAL QUANTUM PROGRAM ACT", page_numbers=True)
    build_docx(HERE / "zh_municipal_quantum_talent_supply_chain.docx")


if __name__ == "__main__":
    main()
