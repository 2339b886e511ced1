from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.forms.forms import BaseForm
from django.forms.formsets import BaseFormSet
from django.forms.renderers import BaseRenderer, TemplatesSetting
from django.http import HttpRequest
from django.utils.safestring import SafeString

from coproduce.core.concurrency import StaleEdit, carry_current_version
from coproduce.core.warnings import CONFIRM_LABEL, Caution, NeedsConfirmation


class PlainFormRenderer(TemplatesSetting):
    """Renders every form with our templates: label, hint, error, then the field.

    Widgets are drawn without `maxlength`: a browser silently cuts typed or pasted text at
    that length, so "POUNDS" would be saved as "POU". The field still checks the length and
    refuses a longer value with a message giving the limit.
    """

    form_template_name = "components/form.html"
    field_template_name = "components/field.html"

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        widget = context.get("widget")
        if isinstance(widget, dict) and "maxlength" in widget.get("attrs", {}):
            widget["attrs"] = {k: v for k, v in widget["attrs"].items() if k != "maxlength"}
        return super().render(template_name, context, request)


class DateInput(forms.DateInput):
    """The browser's date picker, given its value as an ISO date (2025-06-30).

    A browser blanks an `<input type="date">` whose value is in any other format, such as
    the site's British 30/06/2025, and an unchanged edit would then erase the date. Every
    date field uses this widget.
    """

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class ConfirmInput(forms.CheckboxInput):
    """A checkbox drawn by components/cautions.html beside the cautions it confirms, and only
    when there are some: the form's own rendering leaves it out."""

    @property
    def is_hidden(self) -> bool:
        return True

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: BaseRenderer | None = None,
    ) -> SafeString:
        return SafeString("")


class ConfirmField(forms.BooleanField):
    """The person has seen the cautions and wants to save anyway. A service takes it as
    `confirmed`; see coproduce.core.warnings."""

    widget = ConfirmInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", CONFIRM_LABEL)
        super().__init__(**kwargs)


CONFIRM_FIELD = "confirmed"


def ask_to_confirm(form: BaseForm, error: NeedsConfirmation) -> None:
    """Show a service's cautions on the form and ask for the tick that confirms them."""
    form.cautions = list(error.cautions)  # type: ignore[attr-defined]
    form.add_error(
        CONFIRM_FIELD if CONFIRM_FIELD in form.fields else None,
        "Check the warnings, then tick the box to save anyway, or change what you entered.",
    )


def cautions_of(form: BaseForm) -> list[Caution]:
    return list(getattr(form, "cautions", []))


# The largest id a database integer holds; a larger one would raise OverflowError in a lookup.
MAX_ID = 2**63 - 1


class ChoicesOfRecords[M: Model](forms.ModelMultipleChoiceField[M]):
    """A choice of several records by id, refusing an id that is not a number the database
    could hold as "not one of the choices" rather than failing in the lookup."""

    def clean(self, value: Any) -> Any:
        for item in value or []:
            if not str(item).isdigit() or int(item) > MAX_ID:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": item},
                )
        return super().clean(value)


def apply_errors(form: BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form, on the named fields where it names them."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def submit[T](request: HttpRequest, form: BaseForm, save: Callable[..., T]) -> T | None:
    """On a POST with a valid form, call the service `save` with the cleaned data as keywords.

    Returns what the service returned, or None when nothing was saved: not a POST, an invalid
    form, a ValidationError from the service, which is then shown on the form, or cautions
    nobody has confirmed yet (NeedsConfirmation), which the form then lists. After a
    stale edit (`StaleEdit`) the form keeps the input and moves to the current version. Services
    called this way return a value, never None.
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return save(**form.cleaned_data)
    except NeedsConfirmation as error:
        ask_to_confirm(form, error)
        return None
    except ValidationError as error:
        apply_errors(form, error)
        if isinstance(error, StaleEdit):
            carry_current_version(form, error)
        return None


def row_errors(
    rows: Iterable[tuple[str, BaseForm]], *, formset: BaseFormSet[Any] | None = None
) -> list[tuple[str, str]]:
    """Errors of the forms repeated on one page (one per attendee, stage or risk), as
    (element id, "<row>, <field>: <message>") pairs for the page's error summary, which links
    each one to its field. The errors of the `formset` as a whole (too many rows sent) come
    first, with no field to link to."""
    errors = [("", str(e)) for e in formset.non_form_errors()] if formset is not None else []
    for name, form in rows:
        first = next(iter(form), None)
        anchor = (
            ""
            if first is None
            else (f"{first.auto_id}_0" if first.use_fieldset else first.id_for_label)
        )
        errors += [(anchor, f"{name}: {e}") for e in form.non_field_errors()]
        for field in form:
            target = f"{field.auto_id}_0" if field.use_fieldset else field.id_for_label
            errors += [(target, f"{name}, {str(field.label).lower()}: {e}") for e in field.errors]
    return errors
