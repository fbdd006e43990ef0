"""An editor writes an answer, publishes it, changes it and reads the change as a diff (R-KB-1, R-KB-2)."""
from playwright.sync_api import expect

from tests.answers_editing_helpers import owners
from tests.browser.conftest import log_in, screenshot


def test_an_editor_creates_publishes_and_edits_an_answer_and_sees_the_diff(app, page, axe_check):
    with app.app_context():
        owners()
    editor = log_in(page, "editor")
    expect(editor.get_by_role("heading", level=1, name="Kunskapsbanken")).to_be_visible()
    axe_check(editor, "the editor's start page")
    screenshot(editor, "answers-editor-start")

    editor.get_by_role("link", name="Nytt svar").first.click()
    expect(editor.get_by_role("heading", level=1, name="Nytt svar")).to_be_visible()
    editor.get_by_label("Fråga", exact=True).fill("Hur lång tid tar ett bygglov?")
    editor.get_by_label("Andra formuleringar").fill("Handläggningstid bygglov")
    editor.get_by_label("Sökord").fill("bygglov tid")
    editor.get_by_label("Svar", exact=True).fill("Normalt inom tio veckor.\n\n1. Skicka in ansökan\n2. Vänta på beslut")
    editor.get_by_label("Länkar till e-tjänst eller webbsida").fill(
        "Ansök om bygglov | https://www.lulea.se/bygglov")
    editor.get_by_label("Ägare (förvaltning eller bolag)").select_option(label="Stadsbyggnadsförvaltningen")
    editor.get_by_label("Ansvarig (användarnamn)").fill("hanna")
    editor.get_by_label("Kategori").select_option(label="Stadsbyggnad – Bygglov")
    editor.get_by_label("Publik").check()
    axe_check(editor, "the new answer form")
    screenshot(editor, "answers-new-form")
    editor.get_by_role("button", name="Spara utkast").click()

    expect(editor.get_by_role("heading", level=1, name="Hur lång tid tar ett bygglov?")).to_be_visible()
    expect(editor.locator(".answer-body ol li")).to_have_count(2)
    expect(editor.get_by_text("Utkast", exact=True)).to_be_visible()
    # Publish with the keyboard alone: Tab from the top of the page reaches the button, Enter presses it.
    publish = editor.get_by_role("button", name="Publicera")
    for _ in range(60):
        editor.keyboard.press("Tab")
        if publish.evaluate("button => button === document.activeElement"):
            break
    expect(publish).to_be_focused()
    editor.keyboard.press("Enter")
    expect(editor.get_by_text("Svaret är publicerat.")).to_be_visible()
    axe_check(editor, "the answer page")
    screenshot(editor, "answers-published")

    editor.get_by_role("link", name="Ändra").click()
    body = editor.get_by_label("Svar", exact=True)
    body.fill("Normalt inom fyra veckor, högst tio.\n\n1. Skicka in ansökan\n2. Vänta på beslut")
    editor.get_by_role("button", name="Spara ändringen").click()
    expect(editor.get_by_text("Ändringen är sparad som en ny version.")).to_be_visible()

    editor.get_by_role("link", name="Historik och ändringar").click()
    expect(editor.get_by_role("heading", level=2, name="Version 3")).to_be_visible()
    diff = editor.locator("#version-3").locator("xpath=..")
    expect(diff.locator("del")).to_contain_text("Normalt inom tio veckor.")
    expect(diff.locator("ins")).to_contain_text("Normalt inom fyra veckor, högst tio.")
    axe_check(editor, "the answer's history")
    screenshot(editor, "answers-history-diff")

    editor.goto("/kunskapsbanken")
    expect(editor.get_by_role("link", name="Hur lång tid tar ett bygglov?")).to_be_visible()
    axe_check(editor, "the list of answers")
    screenshot(editor, "answers-list")
