"""The explorer's facets from a library's own contract (issue 16): the reference semantics in
``casebook.facets`` for the new kinds, and the example library's explorer in Chromium checked
against it (ticked values with live counts, ranges, yes/no, the address, phones and axe)."""

from __future__ import annotations

import json
import shutil

import pytest
from browser import CHROMIUM_ARGS, axe, chromium_path, serve
from playwright.sync_api import expect, sync_playwright

from casebook import load_library
from casebook.contract import Choice, Field
from casebook.facets import NO, YES, Row, State, counts, explorer_data, in_range, matches, rows
from conftest import ROOT, build, explorer_state

EXAMPLE = ROOT / "examples" / "urban-practices"
LARGE = "Large (over 250,000)"


@pytest.fixture(scope="module")
def lib():
    return load_library(EXAMPLE)


def ids(lib, state: State) -> list[str]:
    return [r.id for r in rows(lib) if matches(r, state)]


def having(lib, name: str, test) -> list[str]:
    """The cases (explorer order) whose value of ``name`` passes ``test``."""
    return [c.id for c in lib.by_title() if test(c.value(name))]


# ---- the reference semantics ----


def test_ticked_facets_are_any_of_their_values(lib):
    assert ids(lib, State(fields={"city_size": ["large"]})) == having(lib, "city_size", lambda v: v == "large")
    assert ids(lib, State(fields={"city_size": ["large"]})) == ["green-roofs-aalborg"]
    assert ids(lib, State(fields={"city_size": ["small", "large"]})) == [
        "bike-library-aeroskobing",
        "green-roofs-aalborg",
    ]
    assert ids(lib, State(fields={"evaluated": [YES]})) == having(lib, "evaluated", lambda v: v is True)
    assert ids(lib, State(fields={"evaluated": [NO]})) == having(lib, "evaluated", lambda v: v is False)
    anyof = State(fields={"target_groups": ["newcomers", "older-people"]})
    wanted = having(lib, "target_groups", lambda v: bool({"newcomers", "older-people"} & set(v or ())))
    assert ids(lib, anyof) == wanted == ["green-roofs-aalborg", "riverside-kitchen", "tenant-councils-tromso"]
    both = State(fields={"city_size": ["medium"], "evaluated": [YES]}, countries=["SE"])
    assert ids(lib, both) == ["riverside-kitchen"]  # own facets combine with each other and the built-in ones


def test_a_range_leaves_out_cases_without_a_value_only_once_bounded(lib):
    assert having(lib, "budget", lambda v: v is None) == ["bike-library-aeroskobing"]
    assert ids(lib, State(ranges={"budget": (100_000, 500_000)})) == ["green-roofs-aalborg", "riverside-kitchen"]
    assert ids(lib, State(ranges={"budget": (450_000, None)})) == ["green-roofs-aalborg", "tenant-councils-tromso"]
    assert ids(lib, State(ranges={"budget": (None, 120_000)})) == ["riverside-kitchen"]  # inclusive bounds
    assert ids(lib, State(ranges={"budget": (None, None)})) == [r.id for r in rows(lib)]
    assert in_range(None, None, None) and not in_range(None, 0, None) and not in_range(None, None, 10)
    assert in_range(5, 5, 5) and not in_range(4, 5, None) and not in_range(6, None, 5)


def test_counts_of_own_facets(lib):
    own = lib.contract.facets
    result = counts(rows(lib), State(fields={"city_size": ["large"]}), [], [], [], own)
    # Ticked or not, a value's number is the cases with it the list shows once it is ticked.
    assert result["fields"]["city_size"] == {"small": 1, "medium": 2, "large": 1}
    assert result["fields"]["evaluated"] == {YES: 0, NO: 1}  # among the large cases
    assert result["fields"]["target_groups"] == {"young-people": 0, "older-people": 1, "newcomers": 0, "residents": 1}
    assert result["missing"] == {"budget": 0}
    state = State(ranges={"budget": (100_000, None)})
    result = counts(rows(lib), state, [], [], [], own)
    assert result["missing"] == {"budget": 1}  # the case a bound leaves out, counted without that bound
    assert result["fields"]["city_size"] == {"small": 0, "medium": 2, "large": 1}
    assert counts(rows(lib), State(), [], [], []).keys() == {"keyword", "group", "country"}  # no own facets


def test_a_year_facet_and_a_boolean_without_a_value():
    """Kinds the example does not use, on rows made by hand."""
    opened = Field("opened", "year", "Opened", facet=True)
    public = Field("public", "boolean", "Public", facet=True)
    size = Field("size", "one-of", "Size", facet=True, values=(Choice("s", "Small"), Choice("l", "Large")))
    table = [("a", 2001, {YES}, {"s"}), ("b", 2010, {NO}, {"l"}), ("c", None, set(), {"l"}), ("d", 2020, {YES}, set())]
    made = [
        Row(
            i,
            "SE",
            2000,
            None,
            frozenset(),
            frozenset(),
            "",
            (),
            {"public": frozenset(p), "size": frozenset(s)},
            {"opened": y},
        )
        for i, y, p, s in table
    ]

    def found(state):
        return [r.id for r in made if matches(r, state)]

    assert found(State(ranges={"opened": (2005, 2015)})) == ["b"]
    assert found(State(ranges={"opened": (None, 2030)})) == ["a", "b", "d"]  # c has no year
    assert found(State(fields={"public": [YES, NO]})) == ["a", "b", "d"]  # both ticked: any, c has no value
    result = counts(
        made, State(fields={"size": ["l"]}, ranges={"opened": (2000, None)}), [], [], [], (opened, public, size)
    )
    assert result["fields"] == {"public": {YES: 0, NO: 1}, "size": {"s": 1, "l": 1}}
    assert result["missing"] == {"opened": 1}  # c: large, no year


def test_explorer_data_carries_the_own_facets(lib):
    data = json.loads(explorer_data(lib)[0])
    assert [f["name"] for f in data["fields"]] == ["city_size", "budget", "evaluated", "target_groups"]
    budget = data["fields"][1]
    assert budget == {"name": "budget", "kind": "integer", "label": "Budget", "unit": "EUR", "min": 0}
    assert data["fields"][2]["values"] == [{"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"}]
    assert data["fields"][0]["values"][2] == {"value": "large", "label": LARGE}
    by_id = {c[0]: c[8] for c in data["cases"]}
    assert by_id["green-roofs-aalborg"] == [[2], 450000, [1], [3, 1]]  # indexes in the case's order
    assert by_id["bike-library-aeroskobing"][1] is None


def test_a_library_without_own_facets_has_the_data_it_had():
    data = json.loads(explorer_data(load_library(ROOT))[0])
    assert "fields" not in data and {len(c) for c in data["cases"]} == {8}


# ---- in Chromium ----


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The example library built once, from a copy with the generator beside it as in the repository."""
    copy = tmp_path_factory.mktemp("contract-explorer") / "repo"
    for name in ("hooks", "overrides"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    folder = copy / "examples" / "urban-practices"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns(".cache", "site"))
    built = build(folder)
    assert built.returncode == 0, built.output
    with serve(built.site) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield {"url": url, "lib": load_library(folder), "browser": browser}
        browser.close()


@pytest.fixture
def page(site):
    context = site["browser"].new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    context.close()
    assert errors == []


SNAPSHOT = """([total, ids]) => {
    const out = {total: document.getElementById('cb-total').textContent,
                 ids: [...document.querySelectorAll('#cb-list li')].map(e => e.dataset.caseId),
                 counts: {keyword: {}, group: {}, country: {}, fields: {}, missing: {}}, wrongly_disabled: []};
    if (out.total !== total || out.ids.join() !== ids.join()) return null;
    document.querySelectorAll('#cb-explore input[type=checkbox]').forEach(b => {
        const n = Number(b.parentNode.dataset.countValue), field = b.dataset.field;
        const into = field ? (out.counts.fields[field] = out.counts.fields[field] || {}) : out.counts[b.name];
        into[b.value] = n;
        if (b.disabled !== (n === 0 && !b.checked)) out.wrongly_disabled.push(b.value);
    });
    document.querySelectorAll('#cb-explore [data-missing]').forEach(e => {
        out.counts.missing[e.closest('fieldset').dataset.facet.slice(2)] = Number(e.dataset.missing);
    });
    return out;
}"""


def assert_matches_reference(page, site) -> list[str]:
    """The page shows what the reference computes for its address: the total, the list and
    every number beside a choice and under a range. Returns the ids shown."""
    lib = site["lib"]
    state = explorer_state(page.url, lib.contract.facets)
    all_rows = rows(lib)
    expected = [r.id for r in all_rows if matches(r, state)]
    total = f"{len(expected)} of {len(all_rows)} cases"
    snap = page.wait_for_function(SNAPSHOT, arg=[total, expected]).json_value()
    countries = sorted({c.country for c in lib.cases.values()})
    taxonomy = lib.taxonomy
    wanted = counts(all_rows, state, list(taxonomy.keywords), list(taxonomy.groups), countries, lib.contract.facets)
    assert snap["counts"] == wanted
    assert snap["wrongly_disabled"] == []
    return expected


def open_explorer(page, site, query: str = "", total: str = "4 of 4 cases"):
    page.goto(site["url"] + "explore/" + query)
    expect(page.locator("#cb-total")).to_have_text(total)


def box(page, field: str, value: str):
    """The checkbox of one value of an own facet."""
    return page.locator(f"input[data-field={field}][value={value}]")


def test_the_own_facets_are_in_the_form_with_their_labels(page, site):
    open_explorer(page, site)
    legends = page.locator(".cb-filters legend").evaluate_all("ls => ls.map(l => l.textContent)")
    assert legends[2:6] == ["City size", "Budget (EUR)", "Evaluated", "Target groups (cases with any ticked)"]
    large = page.locator("label", has=box(page, "city_size", "large"))
    expect(large).to_have_text(f"{LARGE}1 case")
    expect(page.locator("label[for=cb-field-budget-from]")).to_have_text("From")
    expect(page.locator("label[for=cb-field-budget-to]")).to_have_text("to")
    expect(page.locator("#cb-field-budget-hint")).to_have_text(
        "In the cases: 120,000 to 800,000 EUR. Not given in 1 case, which a bound leaves out."
    )
    expect(page.locator("label", has=box(page, "evaluated", "yes"))).to_have_text("Yes2 cases")
    expect(page.locator("label", has=box(page, "evaluated", "no"))).to_have_text("No2 cases")
    assert_matches_reference(page, site)
    item = page.locator('#cb-list li[data-case-id="green-roofs-aalborg"] .cb-item__fields')
    expect(item).to_have_text(
        f"City size: {LARGE} · Budget: 450,000 EUR · Evaluated: No · Target groups: All residents, Older people"
    )


def test_the_introduction_names_the_own_facets(page, site):
    open_explorer(page, site)
    expect(page.locator("article h1 + p")).to_have_text(
        "Filter the 4 cases by keyword, keyword group, country, period and text, and by City size, Budget,"
        " Evaluated and Target groups. The address of this page always holds the current filters, so you can"
        " bookmark or cite a view."
    )


def test_ticking_large_shows_exactly_the_large_cases(page, site):
    open_explorer(page, site)
    page.get_by_label(LARGE).check()
    expect(page).to_have_url(site["url"] + "explore/?city_size=large")
    expect(page.locator("#cb-total")).to_have_text("1 of 4 cases")
    large = having(site["lib"], "city_size", lambda v: v == "large")
    assert assert_matches_reference(page, site) == large
    # The other facets' numbers follow: of the large cases, none is evaluated.
    expect(page.locator("label", has=box(page, "evaluated", "yes"))).to_have_attribute("data-count-value", "0")
    expect(box(page, "evaluated", "yes")).to_be_disabled()
    page.get_by_label("Medium (50,000 to 250,000)").check()  # several values of one field: any of them
    expect(page).to_have_url(site["url"] + "explore/?city_size=large&city_size=medium")
    expect(page.locator("#cb-total")).to_have_text("3 of 4 cases")
    assert_matches_reference(page, site)
    page.go_back()
    expect(page.locator("#cb-total")).to_have_text("1 of 4 cases")
    expect(box(page, "city_size", "medium")).not_to_be_checked()
    assert assert_matches_reference(page, site) == large


def test_a_budget_range(page, site):
    open_explorer(page, site)
    page.fill("#cb-field-budget-from", "100000")
    expect(page).to_have_url(site["url"] + "explore/?budget_from=100000")
    expect(page.locator("#cb-total")).to_have_text("3 of 4 cases")
    page.fill("#cb-field-budget-to", "500000")
    expect(page).to_have_url(site["url"] + "explore/?budget_from=100000&budget_to=500000")
    expect(page.locator("#cb-total")).to_have_text("2 of 4 cases")
    expected = having(site["lib"], "budget", lambda v: v is not None and 100_000 <= v <= 500_000)
    assert assert_matches_reference(page, site) == expected == ["green-roofs-aalborg", "riverside-kitchen"]
    expect(page.locator("#cb-field-budget-hint [data-missing]")).to_have_text(
        "Not given in 1 case, left out by the bounds."
    )
    page.fill("#cb-field-budget-from", "")
    page.fill("#cb-field-budget-to", "")
    expect(page).to_have_url(site["url"] + "explore/")
    expect(page.locator("#cb-total")).to_have_text("4 of 4 cases")
    expect(page.locator("#cb-field-budget-hint [data-missing]")).to_have_text(
        "Not given in 1 case, which a bound leaves out."
    )


def test_evaluated_yes(page, site):
    open_explorer(page, site)
    page.locator("fieldset[data-facet='f:evaluated']").get_by_label("Yes").check()
    expect(page).to_have_url(site["url"] + "explore/?evaluated=yes")
    expect(page.locator("#cb-total")).to_have_text("2 of 4 cases")
    expected = having(site["lib"], "evaluated", lambda v: v is True)
    assert assert_matches_reference(page, site) == expected
    expect(page.locator("label", has=box(page, "evaluated", "yes"))).to_have_text("Yes2 cases")
    expect(page.locator("label", has=box(page, "evaluated", "no"))).to_have_text("No2 cases")  # ticking it adds 2


def test_target_groups_any_of_and_counts_follow(page, site):
    open_explorer(page, site)
    page.get_by_label("Newcomers").check()
    expect(page).to_have_url(site["url"] + "explore/?target_groups=newcomers")
    expect(page.locator("#cb-total")).to_have_text("1 of 4 cases")
    assert_matches_reference(page, site)
    page.get_by_label("Older people").check()
    expect(page).to_have_url(site["url"] + "explore/?target_groups=newcomers&target_groups=older-people")
    expect(page.locator("#cb-total")).to_have_text("3 of 4 cases")
    assert assert_matches_reference(page, site) == having(
        site["lib"], "target_groups", lambda v: bool({"newcomers", "older-people"} & set(v or ()))
    )
    expect(box(page, "city_size", "small")).to_be_disabled()  # the small case is for neither group
    page.get_by_label("Medium (50,000 to 250,000)").check()
    expect(page.locator("#cb-total")).to_have_text("2 of 4 cases")
    assert assert_matches_reference(page, site) == ["riverside-kitchen", "tenant-councils-tromso"]


def test_an_address_round_trips(page, site):
    open_explorer(page, site, "?city_size=small", "1 of 4 cases")
    expect(box(page, "city_size", "small")).to_be_checked()
    assert assert_matches_reference(page, site) == ["bike-library-aeroskobing"]
    query = "?city_size=medium&budget_from=100000&budget_to=900000&evaluated=yes&target_groups=young-people"
    open_explorer(page, site, query, "1 of 4 cases")
    expect(page).to_have_url(site["url"] + "explore/" + query)  # already canonical
    page.reload()
    expect(page.locator("#cb-total")).to_have_text("1 of 4 cases")
    expect(page.locator("#cb-field-budget-from")).to_have_value("100000")
    expect(page.locator("#cb-field-budget-to")).to_have_value("900000")
    expect(box(page, "evaluated", "yes")).to_be_checked()
    expect(box(page, "target_groups", "young-people")).to_be_checked()
    assert assert_matches_reference(page, site) == ["tenant-councils-tromso"]


@pytest.mark.parametrize(
    ("address", "canonical", "total"),
    [
        ("?City-Size=Large", "?city_size=large", "1 of 4 cases"),
        ("?city%20size=Medium+%2850%2C000+to+250%2C000%29", "?city_size=medium", "2 of 4 cases"),
        ("?evaluated=TRUE", "?evaluated=yes", "2 of 4 cases"),
        (
            "?target_groups=newcomers,older-people",
            "?target_groups=newcomers&target_groups=older-people",
            "3 of 4 cases",
        ),
        ("?Budget_From=100+000&budget_max=500,000", "?budget_from=100000&budget_to=500000", "2 of 4 cases"),
    ],
)
def test_an_address_written_differently_is_read_and_rewritten(page, site, address, canonical, total):
    open_explorer(page, site, address, total)
    expect(page).to_have_url(site["url"] + "explore/" + canonical)
    expect(page.locator("#cb-notice")).to_be_hidden()
    assert_matches_reference(page, site)


def test_what_is_not_recognised_is_reported_and_suggested(page, site):
    open_explorer(
        page, site, "?city_size=larg&budget_from=lots&evaluated=maybe&target_groups=young-people", "2 of 4 cases"
    )
    expect(page).to_have_url(site["url"] + "explore/?target_groups=young-people")
    items = page.locator("#cb-notice li")
    expect(items).to_have_text(
        [f"city_size=larg – did you mean City size: {LARGE}?", "budget_from=lots", "evaluated=maybe"]
    )
    assert_matches_reference(page, site)
    expect(box(page, "city_size", "large")).not_to_be_checked()  # suggested, not applied
    items.first.locator("a").click()
    expect(page).to_have_url(site["url"] + "explore/?city_size=large&target_groups=young-people")
    expect(box(page, "city_size", "large")).to_be_checked()
    expect(page.locator("#cb-notice")).to_be_hidden()
    expect(page.locator("#cb-total")).to_have_text("0 of 4 cases")
    assert_matches_reference(page, site)


def test_keyboard_only(page, site):
    open_explorer(page, site)
    page.locator("#cb-explore input[name=country]").last.focus()
    page.keyboard.press("Tab")  # the first own facet comes after the countries
    assert page.evaluate("() => [document.activeElement.dataset.field, document.activeElement.value]") == [
        "city_size",
        "small",
    ]
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # Large
    expect(page).to_have_url(site["url"] + "explore/?city_size=large")
    page.keyboard.press("Tab")  # budget from
    expect(page.locator("#cb-field-budget-from")).to_be_focused()
    page.keyboard.type("400000")
    expect(page).to_have_url(site["url"] + "explore/?city_size=large&budget_from=400000")
    expect(page.locator("#cb-total")).to_have_text("1 of 4 cases")
    assert assert_matches_reference(page, site) == ["green-roofs-aalborg"]


OVERFLOW = """w => [...document.querySelectorAll('article *')].filter(e => e.getClientRects().length
    && e.getBoundingClientRect().right > w + 0.5).map(e => e.tagName + '.' + e.className)"""

VIEW = "?city_size=medium&budget_from=100000&evaluated=yes&target_groups=residents&city_size=hug"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_at_320_px_it_fits_and_axe_finds_nothing(site, scheme):
    context = site["browser"].new_context(viewport={"width": 320, "height": 640}, has_touch=True, color_scheme=scheme)
    page = context.new_page()
    open_explorer(page, site, VIEW, "2 of 4 cases")
    expect(page.locator("#cb-notice")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert page.evaluate(OVERFLOW, 320) == []
    inputs = page.locator(".cb-range input").evaluate_all("es => es.map(e => e.getBoundingClientRect().right)")
    assert inputs and max(inputs) <= 320
    small = page.evaluate(
        """() => [...document.querySelectorAll('#cb-explore fieldset[data-facet^="f:"] :is(input, label)')]
            .filter(e => e.getClientRects().length).map(e => e.getBoundingClientRect())
            .filter(r => r.width < 24 || r.height < 24).length"""
    )
    assert small == 0
    violations, _ = axe(page)
    context.close()
    assert violations == []
