from markupsafe import Markup

from app.forms import FormDefinition, render_fields

from .helpers import OPTIONS, one, parse_html, sample_form


def render(data=None, errors=None, options=OPTIONS, form=None, **kwargs):
    markup = render_fields(form or sample_form(), data, errors, options, **kwargs)
    assert isinstance(markup, Markup)
    return parse_html(markup)


def test_every_visible_control_has_a_label():
    root = render()
    controls = root.xpath("//input[not(@type='hidden')] | //select | //textarea")
    assert controls
    for control in controls:
        labels = root.xpath(f"//label[@for='{control.get('id')}']")
        assert len(labels) == 1, control.get("name")
    assert not root.xpath("//form") and not root.xpath("//button")


def test_order_follows_ui_order_with_wildcard():
    root = render()
    names = []
    for el in root.xpath("//input | //select | //textarea"):
        if el.get("name") not in names:
            names.append(el.get("name"))
    assert names[:2] == ["categorie", "nume"]
    assert names[-1] == "anexe"


def test_required_text_field_has_marker_required_and_aria():
    root = render()
    field = one(root, "//input[@id='f-nume']")
    assert field.get("type") == "text"
    assert field.get("name") == "nume"
    assert field.get("required") is not None
    assert field.get("aria-required") == "true"
    assert field.get("maxlength") == "100"
    assert field.get("placeholder") == "Ion Popescu"
    assert field.get("autofocus") is not None
    label = one(root, "//label[@for='f-nume']")
    assert label.text_content().strip() == "Nume și prenume *"
    assert one(label, ".//span").get("aria-hidden") == "true"


def test_optional_field_has_no_required_marker():
    root = render()
    field = one(root, "//input[@id='f-data_faptei']")
    assert field.get("required") is None
    assert field.get("aria-required") is None
    assert "*" not in one(root, "//label[@for='f-data_faptei']").text_content()


def test_description_is_linked_with_aria_describedby():
    root = render()
    field = one(root, "//input[@id='f-nume']")
    help_id = field.get("aria-describedby")
    assert help_id == "f-nume-description"
    assert one(root, f"//*[@id='{help_id}']").text_content() == "Așa cum apare în actul de identitate."


def test_email_and_date_input_types():
    root = render(data={"data_faptei": "2024-03-05"})
    assert one(root, "//input[@id='f-email']").get("type") == "email"
    date_input = one(root, "//input[@id='f-data_faptei']")
    assert date_input.get("type") == "date"
    assert date_input.get("value") == "2024-03-05"


def test_textarea_uses_rows_and_help():
    root = render(data={"mesaj": "Text existent"})
    area = one(root, "//textarea[@id='f-mesaj']")
    assert area.get("rows") == "10"
    assert area.get("maxlength") == "2000"
    assert area.text == "Text existent"
    assert area.get("aria-describedby") == "f-mesaj-help"
    assert one(root, "//*[@id='f-mesaj-help']").text_content() == "Descrieți pe scurt problema."


def test_textarea_default_rows():
    form = FormDefinition(
        {"type": "object", "properties": {"obs": {"type": "string"}}}, {"obs": {"ui:widget": "textarea"}}
    )
    assert one(render(form=form), "//textarea").get("rows") == "6"


def test_select_from_enum_with_enum_names_and_empty_choice():
    root = render(data={"prioritate": "mare"})
    select = one(root, "//select[@id='f-prioritate']")
    assert select.get("class") == "form-select"
    options = [
        (o.get("value"), o.text_content(), o.get("selected") is not None) for o in select.xpath("option")
    ]
    assert options == [("", "Alegeți...", False), ("mica", "Mică", False), ("mare", "Mare", True)]


def test_select_from_plain_enum_uses_values_as_labels():
    root = render()
    labels = [o.text_content() for o in root.xpath("//select[@id='f-canal']/option")]
    assert labels == ["Alegeți...", "posta", "email"]


def test_select_placeholder_labels_empty_choice():
    form = FormDefinition(
        {"type": "object", "properties": {"tip": {"type": "string", "enum": ["a"]}}},
        {"tip": {"ui:placeholder": "Alegeți tipul"}},
    )
    assert render(form=form).xpath("//select/option")[0].text_content() == "Alegeți tipul"


def test_required_select_with_default_has_no_empty_choice():
    form = FormDefinition(
        {
            "type": "object",
            "required": ["tip"],
            "properties": {"tip": {"type": "string", "enum": ["a", "b"], "default": "b"}},
        }
    )
    options = render(form=form).xpath("//select[@id='f-tip']/option")
    assert [o.get("value") for o in options] == ["a", "b"]
    assert options[1].get("selected") is not None


def test_x_options_select_uses_runtime_options():
    root = render(data={"compartiment": "urb"})
    options = root.xpath("//select[@id='f-compartiment']/option")
    assert [(o.get("value"), o.text_content()) for o in options] == [
        ("", "Alegeți..."),
        ("reg", "Registratură"),
        ("urb", "Urbanism"),
    ]
    assert options[2].get("selected") is not None


def test_x_options_without_source_renders_only_empty_choice():
    root = render(options={})
    assert [o.get("value") for o in root.xpath("//select[@id='f-compartiment']/option")] == [""]


def test_radio_group_in_fieldset_with_legend():
    root = render(data={"categorie": "reclamatie"})
    fieldset = one(root, "//fieldset[@id='f-categorie']")
    assert fieldset.get("role") == "radiogroup"
    assert fieldset.get("aria-required") == "true"
    assert one(fieldset, "legend").text_content().strip() == "Categorie *"
    radios = fieldset.xpath(".//input[@type='radio']")
    assert [r.get("value") for r in radios] == ["sesizare", "reclamatie"]
    assert all(r.get("name") == "categorie" and r.get("required") is not None for r in radios)
    assert [r.get("checked") is not None for r in radios] == [False, True]
    assert one(root, f"//label[@for='{radios[1].get('id')}']").text_content() == "Reclamație"


def test_boolean_checkbox():
    root = render(data={"raspuns_posta": True})
    box = one(root, "//input[@id='f-raspuns_posta']")
    assert box.get("type") == "checkbox"
    assert "form-check-input" in box.get("class")
    assert box.get("checked") is not None
    assert box.get("required") is None
    assert one(root, "//label[@for='f-raspuns_posta']").get("class") == "form-check-label"


def test_boolean_that_must_be_ticked_is_required():
    root = render()
    box = one(root, "//input[@id='f-acord']")
    assert box.get("required") is not None and box.get("aria-required") == "true"
    assert box.get("checked") is None
    assert "*" in one(root, "//label[@for='f-acord']").text_content()


def test_number_inputs():
    root = render(data={"numar_persoane": 3, "suma": 12.5})
    integer = one(root, "//input[@id='f-numar_persoane']")
    assert (integer.get("type"), integer.get("inputmode"), integer.get("step")) == ("number", "numeric", "1")
    assert (integer.get("min"), integer.get("max"), integer.get("value")) == ("1", "50", "3")
    number = one(root, "//input[@id='f-suma']")
    assert (number.get("type"), number.get("step"), number.get("value")) == ("number", "any", "12.5")


def test_checkbox_group_for_array_of_enum():
    root = render(data={"teme": ["drumuri"]})
    fieldset = one(root, "//fieldset[@id='f-teme']")
    assert one(fieldset, "legend").text_content() == "Teme"
    boxes = fieldset.xpath(".//input[@type='checkbox']")
    assert [(b.get("name"), b.get("value"), b.get("checked") is not None) for b in boxes] == [
        ("teme", "apa", False),
        ("teme", "drumuri", True),
    ]
    assert one(root, f"//label[@for='{boxes[0].get('id')}']").text_content() == "Apă"


def test_hidden_field_uses_default():
    root = render(data={})
    hidden = one(root, "//input[@name='sursa']")
    assert hidden.get("type") == "hidden"
    assert hidden.get("value") == "portal"
    assert not root.xpath("//label[@for='f-sursa']")


def test_file_field():
    field = one(render(), "//input[@name='anexe']")
    assert field.get("type") == "file"
    assert field.get("multiple") is not None
    assert field.get("accept") == "application/pdf,image/jpeg,image/png"
    assert field.get("id") == "f-anexe"


def test_defaults_shown_only_for_fresh_form():
    form = FormDefinition({"type": "object", "properties": {"oras": {"type": "string", "default": "Cluj"}}})
    assert one(render(form=form), "//input").get("value") == "Cluj"
    assert one(render(form=form, data={}), "//input").get("value") == ""


def test_errors_mark_field_invalid_and_are_described():
    root = render(
        data={"nume": "Io"}, errors={"nume": ["Introduceți cel puțin 3 caractere.", "Altă eroare."]}
    )
    field = one(root, "//input[@id='f-nume']")
    assert "is-invalid" in field.get("class").split()
    assert field.get("aria-invalid") == "true"
    assert field.get("aria-describedby").split() == ["f-nume-description", "f-nume-error"]
    feedback = one(root, "//div[@id='f-nume-error']")
    assert feedback.get("class") == "invalid-feedback d-block"
    assert "Introduceți cel puțin 3 caractere." in feedback.text_content()
    assert "Altă eroare." in feedback.text_content()
    assert one(root, "//input[@id='f-email']").get("aria-invalid") is None


def test_errors_on_radio_group_reference_fieldset():
    root = render(errors={"categorie": ["Alegeți o valoare din listă."]})
    fieldset = one(root, "//fieldset[@id='f-categorie']")
    assert fieldset.get("aria-describedby") == "f-categorie-error"
    assert all(r.get("aria-invalid") == "true" for r in fieldset.xpath(".//input"))
    assert one(fieldset, ".//div[@id='f-categorie-error']").text_content() == "Alegeți o valoare din listă."


def test_form_level_errors_render_as_alert_first():
    root = render(errors={"": ["Eroare generală."], "sursa": ["Câmpul este obligatoriu."]})
    alert = root[0]
    assert alert.get("role") == "alert"
    assert "alert-danger" in alert.get("class")
    items = [li.text_content() for li in alert.xpath(".//li")]
    assert items == ["Eroare generală.", "Sursa: Câmpul este obligatoriu."]


def test_no_alert_without_form_level_errors():
    assert not render(errors={"nume": ["x"]}).xpath("//*[@role='alert']")


def test_hostile_title_description_and_values_are_escaped():
    form = FormDefinition(
        {
            "type": "object",
            "properties": {
                "x": {"type": "string", "title": "<script>alert(1)</script>", "description": "<b>bold</b>"},
                "y": {
                    "type": "string",
                    "title": "Y",
                    "enum": ['"><script>v</script>'],
                    "x-enumNames": ["<i>"],
                },
            },
        },
        {"x": {"ui:placeholder": '" onfocus="alert(1)'}},
    )
    markup = str(
        render_fields(
            form,
            {"x": '"><script>alert(2)</script>', "y": '"><script>v</script>'},
            {"x": ["<img src=x onerror=alert(3)>"], "": ["<script>alert(4)</script>"]},
        )
    )
    assert "<script>" not in markup
    assert "<img" not in markup and "<b>" not in markup and "<i>" not in markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    root = parse_html(markup)
    field = one(root, "//input[@id='f-x']")
    assert field.get("value") == '"><script>alert(2)</script>'
    assert field.get("placeholder") == '" onfocus="alert(1)'
    assert field.get("onfocus") is None
    assert one(root, "//select/option[@value='\"><script>v</script>']").get("selected") is not None


def test_id_prefix():
    root = render(id_prefix="task-")
    assert one(root, "//input[@name='nume']").get("id") == "task-nume"
    assert one(root, "//label[@for='task-nume']") is not None
