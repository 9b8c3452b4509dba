//! Forms from form-js schema text: what is drawn, what is refused, what is stored.

use serde_json::{Value, json};

use super::*;

/// The acceptance test's form, as Camunda Modeler 5.25 saved it.
const UI_FORM: &str = r#"{
  "executionPlatform": "Camunda Cloud",
  "executionPlatformVersion": "8.5.0",
  "exporter": { "name": "Camunda Modeler", "version": "5.25.0" },
  "schemaVersion": 16,
  "id": "ui_form",
  "type": "default",
  "components": [
    { "label": "Name", "type": "textfield", "layout": { "row": "Row_1", "columns": null }, "id": "Field_name", "key": "name", "validate": { "required": true } },
    { "label": "Amount", "type": "number", "layout": { "row": "Row_2", "columns": null }, "id": "Field_amount", "key": "amount" }
  ]
}"#;

/// Most component kinds, with rules and FEEL defaults.
const ORDER_FORM: &str = r##"{
  "id": "order", "type": "default", "schemaVersion": 16,
  "components": [
    { "type": "text", "text": "# Order for {{customer}}\nCheck **every** line." },
    { "type": "textfield", "key": "code", "label": "Code",
      "validate": { "pattern": "[A-Z]{3}-[0-9]+", "minLength": 5, "maxLength": 10 } },
    { "type": "number", "key": "quantity", "label": "Quantity", "defaultValue": "=base * 2",
      "validate": { "min": 1, "max": 100, "required": true } },
    { "type": "textarea", "key": "note", "label": "Note" },
    { "type": "checkbox", "key": "urgent", "label": "Urgent" },
    { "type": "checklist", "key": "extras", "label": "Extras",
      "values": [ { "label": "Gift wrap", "value": "wrap" }, { "label": "Card", "value": "card" } ] },
    { "type": "radio", "key": "size", "label": "Size", "validate": { "required": true },
      "values": [ { "label": "Small", "value": 1 }, { "label": "Large", "value": 2 } ] },
    { "type": "select", "key": "country", "label": "Country", "defaultValue": "ch",
      "values": [ { "label": "Switzerland", "value": "ch" }, { "label": "Austria", "value": "at" } ] },
    { "type": "datetime", "subtype": "date", "key": "due", "dateLabel": "Due" },
    { "type": "group", "label": "Address", "path": "address", "components": [
      { "type": "textfield", "key": "city", "label": "City" } ] },
    { "type": "textfield", "key": "secret", "label": "Secret", "conditional": { "hide": "=base > 1" } },
    { "type": "textfield", "key": "customer", "label": "Customer", "readonly": true },
    { "type": "filepicker", "key": "upload", "label": "Upload" }
  ]
}"##;

fn form(text: &str) -> Form {
    Form::parse(&serde_json::from_str(text).expect("schema JSON")).expect("a form")
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn html(form: &Form, variables: Value) -> String {
    let env = Env::new(&variables);
    render(form, &Filled::initial(form, &env), &env, &[], true).into_string()
}

#[test]
fn the_acceptance_form_draws_a_required_text_field_and_a_number_field() {
    let page = html(&form(UI_FORM), json!({}));
    assert!(page.contains(r#"<label for="field-1">Name"#), "{page}");
    assert!(
        page.contains(r#"<input type="text" id="field-1" name="name" value="" required"#),
        "{page}"
    );
    assert!(
        page.contains(r#"type="number" id="field-2" name="amount""#),
        "{page}"
    );
    assert!(
        !page.contains(r#"name="amount" value="" required"#),
        "{page}"
    );
}

#[test]
fn a_missing_required_value_is_refused() {
    let f = form(UI_FORM);
    let sent = submit(
        &f,
        &pairs(&[("name", ""), ("amount", "7")]),
        &Env::new(&json!({})),
    );
    assert_eq!(sent.errors.len(), 1, "{:?}", sent.errors);
    assert_eq!(sent.errors[0].key, "name");
    assert_eq!(sent.errors[0].message, "Name: is required");
    // The typed value is kept for drawing the form again.
    assert_eq!(sent.filled.get("amount"), Some(&Entry::Text("7".into())));
}

#[test]
fn a_number_field_gives_a_json_number_and_empty_optional_fields_are_left_out() {
    let f = form(UI_FORM);
    let sent = submit(
        &f,
        &pairs(&[("name", "Ada"), ("amount", "42")]),
        &Env::new(&json!({})),
    );
    assert!(sent.errors.is_empty(), "{:?}", sent.errors);
    assert_eq!(
        Value::Object(sent.variables),
        json!({"name": "Ada", "amount": 42})
    );
    let sent = submit(
        &f,
        &pairs(&[("name", "Ada"), ("amount", "")]),
        &Env::new(&json!({})),
    );
    assert_eq!(Value::Object(sent.variables), json!({"name": "Ada"}));
    let sent = submit(
        &f,
        &pairs(&[("name", "Ada"), ("amount", "lots")]),
        &Env::new(&json!({})),
    );
    assert_eq!(sent.errors[0].message, "Amount: 'lots' is not a number");
}

#[test]
fn fields_are_prefilled_from_variables_else_from_feel_defaults() {
    let f = form(ORDER_FORM);
    let page = html(&f, json!({"base": 3, "customer": "Ada"}));
    assert!(page.contains(r#"name="quantity" value="6""#), "{page}");
    assert!(
        page.contains(r#"<option value="ch" selected>Switzerland"#),
        "{page}"
    );
    assert!(
        page.contains(r#"name="customer" value="Ada" readonly"#),
        "{page}"
    );
    let page = html(&f, json!({"base": 3, "quantity": 9}));
    assert!(page.contains(r#"name="quantity" value="9""#), "{page}");
}

#[test]
fn the_browser_gets_the_same_rules_as_attributes() {
    let page = html(&form(ORDER_FORM), json!({"base": 1}));
    assert!(
        page.contains(r#"minlength="5" maxlength="10" pattern="[A-Z]{3}-[0-9]+""#),
        "{page}"
    );
    assert!(page.contains(r#"required min="1" max="100""#), "{page}");
    assert!(
        page.contains(r#"type="radio" id="field-7-0" name="size" value="1""#),
        "{page}"
    );
    assert!(page.contains(r#"type="date""#), "{page}");
    assert!(page.contains(r#"name="address.city""#), "{page}");
    assert!(
        page.contains(r#"name="secret""#),
        "shown while base is 1: {page}"
    );
    assert!(page.contains("<h2>Order for</h2>"), "{page}");
    assert!(page.contains("<strong>every</strong>"), "{page}");
    assert!(
        page.contains("<code>filepicker</code>"),
        "an unknown kind is a note: {page}"
    );
}

#[test]
fn pattern_min_max_and_choices_are_checked_on_the_server() {
    let f = form(ORDER_FORM);
    let env = Env::new(&json!({"base": 2, "customer": "Ada"}));
    let sent = submit(
        &f,
        &pairs(&[
            ("code", "abc-1"),
            ("quantity", "101"),
            ("size", "3"),
            ("secret", "x"),
        ]),
        &env,
    );
    let messages: Vec<&str> = sent.errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "Code: does not match the pattern [A-Z]{3}-[0-9]+",
            "Quantity: must be at most 100",
            "Size: '3' is not one of the choices",
        ]
    );
}

#[test]
fn values_are_converted_to_their_types() {
    let f = form(ORDER_FORM);
    let env = Env::new(&json!({"base": 2, "customer": "Ada"}));
    let sent = submit(
        &f,
        &pairs(&[
            ("code", "ABC-12"),
            ("quantity", "2.5"),
            ("urgent", "true"),
            ("extras", "wrap"),
            ("extras", "card"),
            ("size", "2"),
            ("country", "at"),
            ("due", "2026-12-24"),
            ("address.city", "Bern"),
            ("secret", "hidden fields are not taken"),
            ("customer", "tampered"),
        ]),
        &env,
    );
    assert!(sent.errors.is_empty(), "{:?}", sent.errors);
    assert_eq!(
        Value::Object(sent.variables),
        json!({
            "code": "ABC-12", "quantity": 2.5, "urgent": true, "extras": ["wrap", "card"],
            "size": 2, "country": "at", "due": "2026-12-24", "address": {"city": "Bern"},
            "customer": "Ada"
        })
    );
}

#[test]
fn an_unchecked_checkbox_is_false_and_an_empty_checklist_empty() {
    let f = form(ORDER_FORM);
    let env = Env::new(&json!({"base": 2}));
    let sent = submit(&f, &pairs(&[("quantity", "1"), ("size", "1")]), &env);
    assert!(sent.errors.is_empty(), "{:?}", sent.errors);
    assert_eq!(sent.variables["urgent"], json!(false));
    assert_eq!(sent.variables["extras"], json!([]));
}

#[test]
fn a_schema_without_components_is_an_error() {
    assert!(matches!(
        Form::parse(&json!([])),
        Err(Error::NotAnObject("an array"))
    ));
    assert!(matches!(
        Form::parse(&json!({"id": "x"})),
        Err(Error::NoComponents)
    ));
}
