from django.forms.renderers import TemplatesSetting


class PlainFormRenderer(TemplatesSetting):
    """Renders every form with our templates: label, hint, error, then the field."""

    form_template_name = "components/form.html"
    field_template_name = "components/field.html"
