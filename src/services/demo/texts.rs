//! What the demo's cadres and volunteers write: need titles and
//! descriptions by category (the "two no-worries, three guarantees" and the
//! county's citrus, camellia oil and tea), and the notes of a match's life.

use super::draw::Draw;
use crate::domain::Category;

/// Titles and descriptions a cadre might post in a category.
fn catalogue(c: Category) -> &'static [(&'static str, &'static str)] {
    match c {
        Category::Education => &[
            (
                "孩子上学缺校服和书包",
                "家中两个孩子在读小学，开学缺校服、书包和文具，希望有人资助。",
            ),
            (
                "高中生住校生活费缺口",
                "孩子在县一中读高二，住校每月生活费约六百元，家里难以负担。",
            ),
            (
                "大学新生学费缺口",
                "孩子考上省内大学，学费和路费还差约三千元。",
            ),
            (
                "留守儿童课后辅导",
                "父母在外务工，孩子数学跟不上，希望每周有人线上辅导两次。",
            ),
            (
                "初中生需要一台旧电脑",
                "孩子上网课、查资料没有电脑，旧的能用就行。",
            ),
        ],
        Category::Medical => &[
            (
                "慢性病长期用药费用",
                "家中老人患高血压、糖尿病，每月药费约三百元，报销后仍有缺口。",
            ),
            (
                "陪同老人到县人民医院复查",
                "老人行动不便，子女在外地，需要有人陪同去县城复查。",
            ),
            (
                "术后康复需要上门护理指导",
                "户主腰椎手术后在家康复，需要懂护理的人上门指导几次。",
            ),
            (
                "白内障手术前检查陪诊",
                "老人视力下降，已预约检查，需要有人陪同往返乡卫生院。",
            ),
            (
                "家庭医生签约后上门随访",
                "希望有医务志愿者每月上门量血压、看看用药情况。",
            ),
        ],
        Category::Housing => &[
            (
                "老屋屋顶漏雨需翻修",
                "木结构老屋屋顶瓦片破损，雨季漏雨，需要人手和材料翻修。",
            ),
            (
                "厨房线路老化需更换",
                "厨房电线老化发热，存在安全隐患，需要电工上门更换。",
            ),
            (
                "危房改造缺少劳力",
                "危房改造补助已批，缺少搬运和砌墙的帮手。",
            ),
            (
                "冬季门窗漏风需修补",
                "门窗松动漏风，冬天屋里冷，需要修补或更换。",
            ),
            (
                "屋后挡土墙有裂缝",
                "屋后山坡挡土墙出现裂缝，需要懂行的人看看并帮忙加固。",
            ),
        ],
        Category::Living => &[
            ("冬季棉被和棉衣", "天气转冷，家里缺厚棉被和老人的棉衣。"),
            (
                "米油等日常生活物资",
                "近期收入中断，需要大米、食用油等基本生活物资。",
            ),
            (
                "安全饮水：水管入户",
                "自来水主管已到组，入户水管和水龙头还需购置安装。",
            ),
            (
                "老人需要一台电饭煲和热水壶",
                "独居老人的电饭煲坏了，做饭烧水不方便。",
            ),
            ("孩子过冬的鞋袜和手套", "三个孩子冬天的鞋袜、手套都不够。"),
        ],
        Category::Production => &[
            (
                "柑橘园修剪与施肥技术指导",
                "家里有三亩雪峰蜜橘，树势弱、果小，希望有技术员指导修剪施肥。",
            ),
            (
                "油茶林抚育缺劳力",
                "五亩油茶林需要除草、垦复，家里劳力不足。",
            ),
            (
                "茶园春季采摘缺人手",
                "明前茶采摘期人手紧，需要几位帮手采几天茶。",
            ),
            ("柑橘苗木和有机肥", "计划补种柑橘苗，缺苗木和有机肥的资金。"),
            (
                "土鸡养殖技术咨询",
                "散养了一百多只土鸡，想请懂行的人看看防疫和饲料。",
            ),
        ],
        Category::Employment => &[
            (
                "推荐县内就近务工岗位",
                "户主四十多岁，想在县城附近找份工作，方便照顾家里。",
            ),
            (
                "电工技能培训名额",
                "家中青年想学电工，希望推荐培训和考证的渠道。",
            ),
            (
                "外出务工岗位信息",
                "两位劳力准备外出务工，希望有人推荐可靠的工厂岗位。",
            ),
            (
                "残疾人居家手工活",
                "家中有肢体残疾的成员，能做手工，希望找居家的手工活。",
            ),
            (
                "毕业生求职简历指导",
                "孩子今年大专毕业，需要有人帮忙改简历、推荐岗位。",
            ),
        ],
        Category::Consumption => &[
            (
                "滞销雪峰蜜橘代卖",
                "今年蜜橘丰收，还有约两千斤没卖出去，希望帮忙找销路。",
            ),
            (
                "自榨山茶油找销路",
                "家里自榨的山茶油约一百斤，想卖给城里的单位或个人。",
            ),
            (
                "新茶上市帮忙销售",
                "自家茶园的新茶约三十斤，希望有人帮忙推销。",
            ),
            ("土蜂蜜和腊肉代购", "家里的土蜂蜜、腊肉想找固定的买家。"),
            (
                "单位食堂采购农产品",
                "合作社的大米、蔬菜希望对接单位食堂长期采购。",
            ),
        ],
        Category::Care => &[
            (
                "独居老人每周上门陪伴",
                "老人独居，子女在外，希望每周有人上门聊聊天、看看身体。",
            ),
            (
                "留守儿童周末陪伴",
                "孩子和奶奶一起生活，周末希望有人陪着读书、做游戏。",
            ),
            (
                "残疾人家庭定期探访",
                "家中有重度残疾成员，照护者长期疲惫，希望有人定期探访帮忙。",
            ),
            (
                "老人理发和打扫卫生",
                "老人行动不便，想请人每月上门理发、打扫一次。",
            ),
            (
                "节日上门慰问",
                "春节前希望有人上门看看，送些年货，陪老人吃顿饭。",
            ),
        ],
    }
}

/// A title and description for a need in `c`.
pub fn need_text(d: &mut Draw, c: Category) -> (&'static str, &'static str) {
    *d.pick(catalogue(c))
}

/// Why a cadre cancelled a need nobody took.
pub const NEED_CANCEL_REASONS: [&str; 5] = [
    "户主已外出务工，需求不再需要",
    "已通过民政救助解决",
    "亲属已经帮忙解决",
    "重复登记，以另一条需求为准",
    "户主搬到县城子女家居住",
];

/// What a volunteer may write when declining a proposal (or nothing).
pub const DECLINE_NOTES: [Option<&str>; 4] = [
    None,
    Some("这段时间在外地，无法前往"),
    Some("时间冲突，近期抽不开身"),
    Some("距离太远，交通不便"),
];

/// What a cadre writes when confirming that help arrived.
pub const COMPLETE_NOTES: [Option<&str>; 4] = [
    None,
    Some("已送达，户主表示感谢"),
    Some("已上门完成，情况良好"),
    Some("已落实，回访满意"),
];

/// Reasons for cancelling an accepted match, by who cancels.
pub const CANCEL_BY_CADRE: [&str; 3] = [
    "爱心人士多次联系不上",
    "户主情况变化，改由村里统一安排",
    "需求内容有变，需重新匹配",
];
pub const CANCEL_BY_VOLUNTEER: [&str; 3] = [
    "临时有事，无法按约定提供帮助",
    "工作调动到外地",
    "身体原因，暂时无法上门",
];
pub const CANCEL_BY_COORDINATOR: [&str; 2] = [
    "长期未推进，重新安排匹配",
    "核实后发现帮扶内容不符，取消重配",
];

/// Why a pairing ended on the helper's side; the household is paired again.
pub const PAIRING_ENDS_BY_HELPER: [&str; 3] = [
    "帮扶人外出务工，无法按月走访",
    "帮扶人工作调动到外地",
    "帮扶人身体原因，暂停结对",
];

/// Why a pairing ended on the household's side; it is not paired again.
pub const PAIRING_ENDS_BY_HOUSEHOLD: [&str; 2] = [
    "户主搬到县城子女家居住",
    "家庭情况好转，经村民代表评议暂停结对",
];

/// What a helper or liaison writes after a pairing visit.
pub const PAIRING_VISIT_NOTES: [&str; 8] = [
    "上门看望，老人身体尚可，叮嘱按时服药",
    "帮忙打扫院子、挑水，聊了家常",
    "了解近期收支情况，暂无新的困难",
    "陪同户主到村卫生室量血压",
    "送去米和油，查看了房屋安全情况",
    "孩子学习情况良好，和家长聊了开学准备",
    "帮忙检查电线和灶台，提醒注意用火安全",
    "户主说柑橘销路不好，已记下，回头帮忙问问",
];

/// What a cadre writes after visiting a household.
pub const CADRE_VISIT_NOTES: [&str; 5] = [
    "入户核实家庭情况，更新台账",
    "了解帮扶落实情况，帮扶人按月走访",
    "核对低保和医保缴费情况",
    "查看危房改造进度",
    "宣讲防返贫监测政策，留了联系电话",
];

/// What staff write after visiting relatives at home (亲邻返乡).
pub const RELATIVES_VISIT_NOTES: [&str; 4] = [
    "回乡看望亲戚，了解家里的难处",
    "节日回乡走亲，帮忙联系就医",
    "周末回老家，和村里一起商量怎么帮",
    "回乡探亲，顺路看看老人的身体和住房",
];

/// What a visit's notes say when the household brought up a new need.
pub const RAISING_VISIT_NOTES: [&str; 3] = [
    "户主提出新的困难，已登记为需求",
    "走访中发现新的困难，已帮忙登记",
    "家里近期遇到难处，已记下需求，请村里跟进",
];

/// How a staff member is related to the household they visit at home.
pub const RELATIONS: [&str; 7] = ["表叔", "堂姐", "舅舅", "姑妈", "姨父", "堂兄", "表姐"];

/// What a cadre writes about a courtyard meeting (院落会).
pub const MEETING_NOTES: [&str; 4] = [
    "在院坝召开院落会，宣讲户帮户亲帮亲做法，收集群众需求",
    "组织党员和群众代表议事，逐户梳理困难",
    "通报上月结对走访情况，群众现场提出需求",
    "围绕柑橘销售和冬季取暖，听取各户意见",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::household::{NeedDescription, NeedTitle};

    #[test]
    fn every_category_has_texts_that_a_cadre_could_post() {
        for c in Category::ALL {
            let texts = catalogue(c);
            assert!(texts.len() >= 3, "{c}");
            for (title, description) in texts {
                assert!(NeedTitle::parse(title).is_ok(), "{title}");
                assert!(NeedDescription::parse(description).is_ok(), "{description}");
            }
        }
    }

    #[test]
    fn the_standing_help_texts_are_what_its_forms_take() {
        use crate::domain::pairing::{notes_of, reason_of};
        for reason in PAIRING_ENDS_BY_HELPER
            .iter()
            .chain(&PAIRING_ENDS_BY_HOUSEHOLD)
        {
            assert!(reason_of("reason", reason).is_ok(), "{reason}");
        }
        let notes = [
            &PAIRING_VISIT_NOTES[..],
            &CADRE_VISIT_NOTES,
            &RELATIVES_VISIT_NOTES,
            &RAISING_VISIT_NOTES,
            &MEETING_NOTES,
        ];
        for note in notes.concat() {
            assert_eq!(notes_of(note).as_deref(), Ok(note));
        }
        assert!(RELATIONS.iter().all(|r| reason_of("relation", r).is_ok()));
    }
}
