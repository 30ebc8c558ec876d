def test_home_is_persian_and_right_to_left(testapp):
    page = testapp.get("/")
    assert page.html.html["lang"] == "fa"
    assert page.html.html["dir"] == "rtl"
