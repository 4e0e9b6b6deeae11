//! Messages shown once on the page a form redirects to ("offer saved"):
//! the form sets a short-lived cookie with the message's word, the next
//! page shows its text in the reader's language and clears it. Only these
//! words are read back, so a forged cookie cannot put text on a page.

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
        MatchCancelledNeedOpen = "match_cancelled_need_open",
        NotToConfirm = "not_to_confirm",
    }
}

impl Flash {
    pub fn parse(word: &str) -> Option<Self> {
        word.parse().ok()
    }

    pub fn key(self) -> &'static str {
        self.as_str()
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
            Self::MatchCancelledNeedOpen => (
                "已取消这次帮扶，并告知了爱心人士。需求重新开放，可以再次匹配。",
                "Match cancelled and the volunteer told. The need is open again for matching.",
            ),
            Self::NotToConfirm => (
                "这次帮扶已不在进行中，不能再确认完成或取消。下面是它现在的状态。",
                "This match is no longer under way, so it can no longer be confirmed or cancelled. Here is where it stands.",
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
}
