"""Bar chart geometry: stacked segments proportional to the values, the target marker."""

from contact_center.dashboard.charts import BAR_AREA, LABEL_WIDTH, bar_chart


def test_stacked_segments_and_target():
    chart = bar_chart("c", "Title", "Desc", [("PEC", [75, 25], "75%"), ("E-mail", [], "—"),
                                             ("A very long channel label that goes on", [50], "50%")],
                      100, ("green", "red"), ("On time", "Late"), target=90, target_text="target")
    pec, email, long = chart.bars
    assert [(s.x, s.width, s.fill) for s in pec.segments] == [
        (LABEL_WIDTH, BAR_AREA * 0.75, "green"), (LABEL_WIDTH + BAR_AREA * 0.75, BAR_AREA * 0.25, "red")]
    assert email.segments == () and email.value_text == "—"
    assert long.label.endswith("…") and len(long.label) == 30
    assert email.y - pec.y == long.y - email.y > 0
    assert chart.target_x == LABEL_WIDTH + BAR_AREA * 0.9
    assert [item.text for item in chart.legend] == ["On time", "Late"]
    assert chart.height > chart.legend_y


def test_empty_chart_has_no_division_by_zero():
    chart = bar_chart("c", "T", "D", [("x", [0], "0")], 0)
    assert chart.bars[0].segments == () and chart.target_x is None and chart.legend == ()
