"""One major hazard on phones, from the principal's self-check to 核销 (16号令): written
report, confirmation with the decision apart from the report, stop-work shown on the site
page, assessment, 复产申请 and rectification by the enterprise, then the supervisor's on-site
review and 核销, which lifts the stop-work."""

import re

from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.pages import log_in
from tests.browser.test_self_check import WATCH_SETTLES, _data, _swapped, _tick
from tests.factories import jpeg_bytes

REPORT = {"report_state_cause": "除尘器泄爆片缺失，维护时拆下未装回",
          "report_harm_difficulty": "粉尘爆炸风险，需停机",
          "plan_goal": "恢复泄爆装置", "measures": "企业：更换泄爆片并校验", "plan_resources": "备件与检测费",
          "plan_organisation": "设备科 李工", "plan_timeline": "20日内", "plan_emergency": "停机、清灰",
          "interim_measures": "企业：停用该除尘系统"}


def _open(page: Page, action: str) -> None:
    details = page.locator(f"details:has(form[action$='/{action}'])")
    if not details.evaluate("d => d.open"):
        details.locator("summary").click()


def test_major_hazard_from_self_check_to_write_off_with_stop_work(app, live_server, new_phone,
                                                                  shots, tmp_path):
    data = _data(app)
    photo = tmp_path / "IMG_0003.jpg"
    photo.write_bytes(jpeg_bytes())
    page_jpg = tmp_path / "report-page.jpg"
    Image.new("RGB", (900, 1200), (250, 250, 240)).save(page_jpg, "JPEG")

    # 1. The principal's self-check fails a major item.
    boss = new_phone()
    log_in(boss, data["boss"], base=live_server)
    due = boss.locator("#due-principal_check")
    due.locator("select[name=template]").select_option(str(data["checklist"]))
    due.locator("input[name=led_by]").fill("王德明")
    due.locator("button").click()
    expect(boss).to_have_url(re.compile(r"/inspections/\d+$"))
    boss.evaluate(WATCH_SETTLES)
    ids = boss.locator("article.item").evaluate_all("els => els.map(e => e.id)")
    failing = boss.locator("article.item.major").evaluate_all("els => els.map(e => e.id)")[0]
    for item_id in ids:
        if item_id != failing:
            _tick(boss, item_id, "pass")
    boss.once("dialog", lambda d: d.accept())
    _tick(boss, failing, "fail")
    item = boss.locator(f"#{failing}")
    item.locator("textarea[name=note]").fill("除尘器泄爆片缺失")
    _swapped(boss, item.locator("button.small[name=result][value=fail]").tap)
    _swapped(boss, lambda: item.locator("input[name=photo]").set_input_files(photo))
    boss.locator("#submit-panel button").click()
    expect(boss.locator("section.done")).to_be_visible()

    # 2. The principal writes the three-part report.
    boss.goto(f"{live_server}/enterprise/")
    boss.locator("#work-written_reports a").first.click()
    expect(boss).to_have_url(re.compile(r"/enterprise/hazards/\d+/report$"))
    hazard_id = int(re.search(r"/hazards/(\d+)/report", boss.url).group(1))
    for name, text in REPORT.items():
        boss.fill(f"textarea[name={name}]", text)
    boss.fill("input[name=funds]", "6000")
    boss.locator("form.report-form button.primary").click()
    expect(boss.locator(".ok")).to_be_visible()

    # 3. The supervisor confirms: the form starts from the enterprise's report.
    sup = new_phone()
    log_in(sup, data["supervisor"], base=live_server)
    sup.goto(f"{live_server}/hazards/{hazard_id}")
    sup.locator("summary", has_text=re.compile("Confirm|确认")).first.click()
    form = sup.locator("form[action$='/confirm']")
    expect(form.locator("textarea[name=measures]")).to_have_value("企业：更换泄爆片并校验")
    form.locator("textarea[name=measures]").fill("监管：更换泄爆片，第三方检测")
    form.locator("textarea[name=interim_measures]").fill("监管：除尘系统停用，专人巡查")
    form.locator("button.primary").click()
    expect(sup.locator("#status-panel")).to_contain_text(re.compile("Confirmed|已确认"))
    # The 督办 proposal is made at confirmation.
    expect(sup.locator("#status-panel")).to_contain_text(re.compile("proposed|拟"))
    # 4. Work is stopped, with its document; the site page says so.
    sup.locator("summary", has_text=re.compile("Record stop-work|记录停产停业")).click()
    sup.locator("form[action$='/stop-work'] select[name=stop_work]").select_option("suspend_part")
    sup.fill("form[action$='/stop-work'] input[name=stop_work_doc]", "南雪安责停〔2026〕7号")
    sup.locator("form[action$='/stop-work'] button").click()
    expect(sup.locator("#stop-work")).to_contain_text("南雪安责停〔2026〕7号")
    sup.goto(f"{live_server}/sites/{data['site_id']}")
    expect(sup.locator(f"#stop-work-{hazard_id}")).to_contain_text("南雪安责停〔2026〕7号")
    sup.screenshot(path=str(shots / "major-stop-work-site.png"), full_page=True)

    # 5. The enterprise: its report is unchanged; it starts, assesses, applies, submits.
    boss.goto(f"{live_server}/hazards/{hazard_id}")
    expect(boss.locator("body")).to_contain_text("企业：更换泄爆片并校验")
    boss.locator("summary", has_text=re.compile("Start fixing|开始整改")).click()
    boss.locator("form[action$='/start'] button.primary").click()
    expect(boss.locator("form[action$='/assessment']")).to_be_visible()
    boss.fill("form[action$='/assessment'] input[name=assessment_by]", "泉州安全评价中心")
    boss.set_input_files("form[action$='/assessment'] input[name=document]", str(page_jpg))
    boss.locator("form[action$='/assessment'] button").click()
    expect(boss.locator("ul.closeout")).to_contain_text("泉州安全评价中心")
    boss.fill("form[action$='/resume'] textarea[name=resume_application]",
              "整改完毕，经评估合格，申请恢复生产")
    boss.locator("form[action$='/resume'] button").click()
    expect(boss.locator("ul.closeout")).to_contain_text(re.compile("received|已收到"))
    _open(boss, "submit")  # the only step left, so it may already be open
    boss.fill("textarea[name=rectified_note]", "已更换泄爆片并检测合格")
    boss.set_input_files("form[action$='/submit'] input[name=photos]", str(photo))
    boss.locator("form[action$='/submit'] button.primary").click()
    expect(boss.locator("#review-due")).to_be_visible()  # the 10-day review clock runs
    boss.screenshot(path=str(shots / "major-submitted.png"), full_page=True)

    # 6. The supervisor reviews on site and writes it off with the document number.
    sup.goto(f"{live_server}/hazards/{hazard_id}")
    sup.locator("summary", has_text=re.compile("Write off|核销")).click()
    sup.fill("form[action$='/verify'] textarea[name=review_note]", "现场审查：泄爆片已更换，检测报告齐全")
    sup.fill("form[action$='/verify'] input[name=closing_doc_no]", "南雪安核〔2026〕12号")
    sup.locator("form[action$='/verify'] button.primary").click()
    expect(sup.locator("#status-panel")).to_contain_text(re.compile("Closed|已销号"))
    expect(sup.locator("#stop-work")).to_have_class(re.compile(r"\blifted\b"))
    expect(sup.locator(".history")).to_contain_text("南雪安核〔2026〕12号")
    sup.screenshot(path=str(shots / "major-written-off.png"), full_page=True)
    # The stop-work is gone from the site page.
    sup.goto(f"{live_server}/sites/{data['site_id']}")
    expect(sup.locator(f"#stop-work-{hazard_id}")).to_have_count(0)
    assert sup.evaluate("document.documentElement.scrollWidth") <= 360
