"""Deform's templates are compiled one at a time (forms.SerialisedCompiling): CPython 3.11's compile() is not safe
in parallel threads, and the first requests for forms after a start arrive together."""

import threading
from importlib.resources import files

import colander
import deform

from eparticipation import forms


class Sample(colander.MappingSchema):
    body = colander.SchemaNode(colander.String(), widget=deform.widget.TextAreaWidget())
    anonymous = colander.SchemaNode(colander.Boolean(), missing=False)
    kind = colander.SchemaNode(colander.String(), widget=deform.widget.SelectWidget(values=[("a", "A"), ("b", "B")]))


def test_forms_first_rendered_in_parallel_threads_all_render():
    search_path = (str(files("eparticipation").joinpath("templates/deform")), str(files("deform").joinpath("templates")))
    renderer = forms.SerialisedCompiling(search_path)  # nothing compiled yet, as after a start
    count = 8
    barrier, outcomes = threading.Barrier(count), [None] * count

    def render(n):
        barrier.wait()
        try:
            outcomes[n] = deform.Form(Sample(), buttons=("send",), renderer=renderer).render()
        except Exception as error:  # noqa: BLE001 - what a thread raised is the finding
            outcomes[n] = error

    threads = [threading.Thread(target=render, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [o for o in outcomes if not isinstance(o, str)] == []
    assert len(set(outcomes)) == 1 and 'name="body"' in outcomes[0]


def test_the_site_renders_its_forms_with_it(app):
    assert isinstance(deform.Form.default_renderer, forms.SerialisedCompiling)
