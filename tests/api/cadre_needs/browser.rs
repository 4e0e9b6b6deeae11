//! A cadre on a phone: opens a household, posts a need, posts another of
//! the same category, lands on the duplicate guard's page and follows its
//! link to the need the household has; then a volunteer claims it and
//! reports delivery, and the household's page tells the story.

use serde_json::json;

use super::story::claim;
use super::{HEAD_NAME, cadre, household, needs_of};
use crate::helpers::browser::Browser;
use crate::helpers::pages::id;
use crate::helpers::spawn_app;

#[tokio::test]
async fn a_cadre_on_a_phone_posts_a_need_meets_the_duplicate_page_and_follows_its_link() {
    let app = spawn_app().await;
    let c = cadre(&app).await;
    let h = household(&app, &c).await;
    let mut browser = Browser::open(&app).await;

    // Sent to log in first, then to the household.
    browser.goto(&format!("/households/{h}")).await;
    browser.log_in(&c.user.email, &c.user.password).await;
    browser.wait_for_text(&format!("{HEAD_NAME}家")).await;
    browser.shots_at_both_sizes("household-without-needs").await;

    browser.click("为这户发布需求").await;
    browser.wait_for_text("各类别包括什么").await;
    browser.click("发布").await;
    browser.wait_for("#e-category").await;
    assert!(browser.text().await.contains("请选择类别"));
    browser.shots_at_both_sizes("form-refused").await;

    browser.choose("类别", "医疗健康").await;
    browser.fill("标题", "陪老人去县医院复查").await;
    browser
        .fill("说明（选填）", "老人腿脚不便，需要有人陪同坐车")
        .await;
    browser.click("input[name='urgency'][value='3']").await;
    browser.shots_at_both_sizes("form-filled").await;
    browser.click("发布").await;
    browser.wait_for_text("需求已发布").await;
    assert_eq!(browser.path().await, format!("/households/{h}"));
    let text = browser.text().await;
    for shown in ["陪老人去县医院复查", "医疗健康", "紧急", "待匹配"] {
        assert!(text.contains(shown), "the household shows {shown}:\n{text}");
    }
    browser.shots_at_both_sizes("need-posted").await;

    browser.click("为这户发布需求").await;
    browser.wait_for_text("各类别包括什么").await;
    browser.choose("类别", "医疗健康").await;
    browser.fill("标题", "买降压药").await;
    browser.click("发布").await;
    browser.wait_for_text("这户已有一项同类需求").await;
    browser.shots_at_both_sizes("duplicate").await;

    browser.click("查看已有的需求").await;
    browser.wait_for_text("陪老人去县医院复查").await;
    let need = id(&needs_of(&app, &c.token, &h).await[0]);
    assert_eq!(browser.path().await, format!("/needs/{need}"));
    browser.click("details.cancel-need summary").await;
    browser.wait_for_text("取消原因").await;
    browser.shots_at_both_sizes("existing-need").await;

    // A volunteer claims it and reports the help delivered.
    let (token, m) = claim(&app, &need).await;
    let path = format!("/api/v1/matches/{}/delivered", id(&m));
    let note = json!({"note": "已陪老人复查，医生说恢复得不错"});
    assert_eq!(
        app.post_json(&path, &note, Some(&token))
            .await
            .status()
            .as_u16(),
        200
    );
    browser.goto(&format!("/households/{h}")).await;
    browser.wait_for_text("张志愿报告帮助已送达").await;
    browser.shots_at_both_sizes("story").await;
    browser.click("English").await;
    browser.wait_for_text("reported the help delivered").await;
    browser.shots_at_both_sizes("story-in-english").await;
    browser.close().await;
}
