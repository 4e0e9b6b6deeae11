//! Messages shown once on the page a form redirects to ("offer saved"):
//! the form sets a short-lived cookie with the message's word, the next
//! page shows its text in the reader's language and clears it. Only these
//! words are read back, so a forged cookie cannot put text on a page. A
//! message that tells figures ("imported 3 households") carries them after
//! its word, as numbers only ([`Notice`]).

use crate::domain::vocabulary::words;
use crate::i18n::Text;

/// The cookie that carries a flash message's word to the next page.
pub const FLASH_COOKIE: &str = "huzhu_flash";

words! {
    /// What a form did, told on the page it leads to.
    pub enum Flash("flash message") {
        Registered = "registered",
        ResetSent = "reset_sent",
        LoggedIn = "logged_in",
        LoggedOut = "logged_out",
        OfferCreated = "offer_created",
        OfferSaved = "offer_saved",
        OfferPaused = "offer_paused",
        OfferResumed = "offer_resumed",
        OfferWithdrawn = "offer_withdrawn",
        Claimed = "claimed",
        ClaimLost = "claim_lost",
        Accepted = "accepted",
        Declined = "declined",
        Delivered = "delivered",
        Cancelled = "cancelled",
        Completed = "completed",
        AnswerTooLate = "answer_too_late",
        MatchNotUnderWay = "match_not_under_way",
        Imported = "imported",
        HouseholdCreated = "household_created",
        HouseholdSaved = "household_saved",
        NeedPosted = "need_posted",
        NeedSaved = "need_saved",
        NeedCancelled = "need_cancelled",
        MatchCancelledNeedOpen = "match_cancelled_need_open",
        NotToConfirm = "not_to_confirm",
        NudgeSent = "nudge_sent",
        NudgeAlreadySent = "nudge_already_sent",
        OfferPausedByStaff = "offer_paused_by_staff",
        StaffInvited = "staff_invited",
        StaffSaved = "staff_saved",
        StaffDeactivated = "staff_deactivated",
        StaffReactivated = "staff_reactivated",
        VillagesLoaded = "villages_loaded",
        Proposed = "proposed",
        KeyMarked = "key_marked",
        KeyUnmarked = "key_unmarked",
        Paired = "paired",
        PairingEnded = "pairing_ended",
        StandingOn = "standing_on",
        StandingOff = "standing_off",
        VisitLogged = "visit_logged",
        VisitSuggested = "visit_suggested",
        SuggestionPosted = "suggestion_posted",
        SuggestionDismissed = "suggestion_dismissed",
        MeetingRecorded = "meeting_recorded",
        Acknowledged = "acknowledged",
    }
}

/// A flash message with the figures its text tells, as its cookie carries
/// it: `imported:3:5`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    flash: Flash,
    figures: Vec<u64>,
}

impl From<Flash> for Notice {
    fn from(flash: Flash) -> Self {
        Self {
            flash,
            figures: Vec::new(),
        }
    }
}

impl Notice {
    /// "Imported N households and M needs".
    pub fn imported(households: usize, needs: usize) -> Self {
        Self {
            flash: Flash::Imported,
            figures: vec![households as u64, needs as u64],
        }
    }

    /// Reads a cookie's value back: a known word, and exactly the figures
    /// its text needs.
    pub fn parse(value: &str) -> Option<Self> {
        let mut parts = value.split(':');
        let flash = Flash::parse(parts.next()?)?;
        let figures = parts
            .map(|p| p.parse::<u64>().ok())
            .collect::<Option<Vec<u64>>>()?;
        (figures.len() == flash.figures()).then_some(Self { flash, figures })
    }

    /// The cookie's value.
    pub fn key(&self) -> String {
        let mut key = self.flash.key().to_owned();
        for figure in &self.figures {
            key.push_str(&format!(":{figure}"));
        }
        key
    }

    pub fn text(&self) -> Text {
        match (self.flash, self.figures.as_slice()) {
            (Flash::Imported, [households, needs]) => Text::owned(
                format!("导入了 {households} 户、{needs} 个需求。"),
                format!("Imported {households} households and {needs} needs."),
            ),
            (flash, _) => flash.text(),
        }
    }
}

impl Flash {
    pub fn parse(word: &str) -> Option<Self> {
        word.parse().ok()
    }

    pub fn key(self) -> &'static str {
        self.as_str()
    }

    /// How many figures the message's text tells.
    fn figures(self) -> usize {
        match self {
            Self::Imported => 2,
            _ => 0,
        }
    }

    pub fn text(self) -> Text {
        let (zh, en) = match self {
            Self::Registered => (
                "注册成功！请打开邮箱，点击验证邮件中的链接，然后登录。",
                "Registered! Open the verification email, follow its link, then log in.",
            ),
            Self::ResetSent => (
                "如果该邮箱已注册，我们已发送重设密码的链接，请查收。",
                "If the address has an account, a link to set a new password is on its way.",
            ),
            Self::LoggedIn => ("欢迎回来！", "Welcome back!"),
            Self::LoggedOut => ("您已退出登录。", "You are logged out."),
            Self::OfferCreated => (
                "已发布。附近有合适的需求时，我们会给您发邮件。",
                "Published. We will email you when a fitting need comes up nearby.",
            ),
            Self::OfferSaved => ("修改已保存。", "Changes saved."),
            Self::OfferPaused => (
                "已暂停，暂不接收新的匹配。",
                "Paused: no new matches until you resume.",
            ),
            Self::OfferResumed => (
                "已恢复，可以接收匹配了。",
                "Resumed: open to matches again.",
            ),
            Self::OfferWithdrawn => ("已撤回。", "Withdrawn."),
            Self::Claimed => (
                "认领成功！下面是村干部的联系方式，请与他联系。",
                "Claimed! Below is the cadre's contact; please get in touch.",
            ),
            Self::ClaimLost => (
                "刚刚有人认领了这个需求，请看看其他需求。",
                "Someone just took this need; here are the others.",
            ),
            Self::Accepted => (
                "已接受，谢谢您！请与村干部联系。",
                "Accepted, thank you! Please contact the cadre.",
            ),
            Self::Declined => ("已婉拒。", "Declined."),
            Self::Delivered => (
                "已告知村干部，他确认后这次帮扶就完成了。",
                "The cadre has been told; once they confirm, this help is complete.",
            ),
            Self::Cancelled => ("已取消。", "Cancelled."),
            Self::Completed => (
                "已确认帮助送达，这次帮扶完成了。我们会向爱心人士致谢。",
                "Confirmed: the help arrived and this match is complete. We thank the volunteer.",
            ),
            Self::AnswerTooLate => (
                "这项提议已过期或已经答复过，不能再接受或婉拒。下面是它现在的状态。",
                "This proposal has expired or was already answered, so it can no longer be accepted or declined. Here is where it stands.",
            ),
            Self::MatchNotUnderWay => (
                "这次帮扶已不在进行中，不能再取消或报告送达。下面是它现在的状态。",
                "This match is no longer under way, so it can no longer be cancelled or reported delivered. Here is where it stands.",
            ),
            Self::Imported => ("导入完成。", "Imported."),
            Self::HouseholdCreated => (
                "已登记这一户。可以为这户发布需求了。",
                "The household is registered. You can now post its needs.",
            ),
            Self::HouseholdSaved => ("这一户的信息已保存。", "The household's details are saved."),
            Self::NeedPosted => (
                "需求已发布。爱心人士认领或接受后，我们会给您发邮件。",
                "Need posted. We will email you when a volunteer claims or accepts it.",
            ),
            Self::NeedSaved => ("需求已修改。", "The need is changed."),
            Self::NeedCancelled => ("需求已取消。", "The need is cancelled."),
            Self::MatchCancelledNeedOpen => (
                "已取消这次帮扶，并告知了爱心人士。需求重新开放，可以再次匹配。",
                "Match cancelled and the volunteer told. The need is open again for matching.",
            ),
            Self::NotToConfirm => (
                "这次帮扶已不在进行中，不能再确认完成或取消。下面是它现在的状态。",
                "This match is no longer under way, so it can no longer be confirmed or cancelled. Here is where it stands.",
            ),
            Self::NudgeSent => ("提醒邮件已发出。", "The reminder email is on its way."),
            Self::NudgeAlreadySent => (
                "今天已经给这个人发过提醒了，这次没有再发。",
                "Already sent today: this person got a reminder today, so nothing was sent.",
            ),
            Self::OfferPausedByStaff => (
                "已暂停这项服务，匹配时不再考虑它，直到爱心人士恢复。",
                "Offer paused: rounds skip it until its volunteer resumes it.",
            ),
            Self::StaffInvited => (
                "已发出邀请邮件，对方设置密码后即可登录。",
                "Invitation sent: they can log in once they set a password.",
            ),
            Self::StaffSaved => ("账号已修改。", "The account is changed."),
            Self::StaffDeactivated => (
                "账号已停用：不能再登录，已登录的会话已结束。",
                "Account deactivated: it cannot log in, and its sessions have ended.",
            ),
            Self::StaffReactivated => (
                "账号已恢复，可以登录了。",
                "Account reactivated: it can log in again.",
            ),
            Self::VillagesLoaded => ("村庄名单已更新。", "The village list is updated."),
            Self::Proposed => (
                "已把需求提议给这位爱心人士，并发邮件通知了对方。对方接受或婉拒后会显示在这里。",
                "The need was proposed to the volunteer, who has been emailed. Their answer will show here.",
            ),
            Self::KeyMarked => (
                "已标为重点户。接下来可以为这户结对帮扶人。",
                "Marked as a key household. You can now pair it with a helper.",
            ),
            Self::KeyUnmarked => ("已取消重点户标记。", "No longer marked as a key household."),
            Self::Paired => (
                "结对成功。这户今后的新需求会先推荐给帮扶人。",
                "Paired. This household's new needs now go to its helper first.",
            ),
            Self::PairingEnded => (
                "结对已结束，原因已记录。",
                "The pairing has ended; the reason is kept.",
            ),
            Self::StandingOn => (
                "谢谢您！村干部可以请您长期结对帮扶一户人家了。",
                "Thank you! Cadres can now ask you to stand by a household.",
            ),
            Self::StandingOff => (
                "已不再接受新的结对；现有的结对仍然有效，如需结束请联系村干部。",
                "You take no new pairings; those you have stay until their cadre ends them.",
            ),
            Self::VisitLogged => ("走访已记录。", "The visit is logged."),
            Self::VisitSuggested => (
                "走访已记录，您提出的需求已交给村干部确认。",
                "The visit is logged, and the needs you raised went to the cadre to confirm.",
            ),
            Self::SuggestionPosted => ("需求已发布。", "The need is posted."),
            Self::SuggestionDismissed => ("已不发布这项建议。", "The suggestion was dismissed."),
            Self::MeetingRecorded => (
                "院落会已记录，会上提出的需求都已发布。",
                "The meeting is recorded and the needs raised there are posted.",
            ),
            Self::Acknowledged => (
                "已记录处理措施；回访日期之前不再提醒。",
                "Noted. There will be no reminder before the follow-up day.",
            ),
        };
        Text::fixed(zh, en)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_words_are_read_back() {
        for flash in Flash::ALL {
            assert_eq!(Flash::parse(flash.key()), Some(flash));
        }
        assert_eq!(Flash::parse("<script>"), None);
    }

    #[test]
    fn figures_travel_as_numbers_after_their_word() {
        let notice = Notice::imported(3, 5);
        assert_eq!(notice.key(), "imported:3:5");
        assert_eq!(Notice::parse("imported:3:5"), Some(notice.clone()));
        assert_eq!(notice.text().zh, "导入了 3 户、5 个需求。");
        for forged in [
            "imported",
            "imported:3",
            "imported:3:<b>",
            "saved:1:2",
            "offer_saved:1",
        ] {
            assert_eq!(Notice::parse(forged), None, "{forged}");
        }
        assert_eq!(
            Notice::parse("offer_saved"),
            Some(Notice::from(Flash::OfferSaved))
        );
    }
}
