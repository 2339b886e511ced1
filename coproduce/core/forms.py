from django.core.exceptions import ValidationError
from django.forms.forms import BaseForm
from django.forms.renderers import TemplatesSetting


class PlainFormRenderer(TemplatesSetting):
    """Renders every form with our templates: label, hint, error, then the field."""

    form_template_name = "components/form.html"
    field_template_name = "components/field.html"


def apply_errors(form: BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form, on the named fields where it names them."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
