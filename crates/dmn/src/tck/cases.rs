//! The DMN TCK's test-case files (`*-test-*.xml`, namespace
//! `http://www.omg.org/spec/DMN/20160719/testcase`): inputs and expected results.

use baton_model::Diagnostic;
use baton_xml::Element;

const TESTCASE_NS: &str = "http://www.omg.org/spec/DMN/20160719/testcase";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
const XSD_NS: &str = "http://www.w3.org/2001/XMLSchema";

#[derive(Clone, Debug)]
pub struct TestFile {
    /// The main model's file name, in the same folder.
    pub model_name: Option<String>,
    pub cases: Vec<TestCase>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaseKind {
    Decision,
    Bkm,
    DecisionService,
}

#[derive(Clone, Debug)]
pub struct TestCase {
    pub id: String,
    pub kind: CaseKind,
    /// The decision service (or BKM) to invoke, for those kinds.
    pub invocable: Option<String>,
    pub inputs: Vec<Node>,
    pub results: Vec<ResultNode>,
}

/// An input node: a value bound to an input data (or decision) by name.
#[derive(Clone, Debug)]
pub struct Node {
    pub name: String,
    /// Selects an imported model's element.
    pub namespace: Option<String>,
    pub value: TckValue,
}

#[derive(Clone, Debug)]
pub struct ResultNode {
    pub name: String,
    /// Evaluation must fail: the value must be null (the error itself is not compared).
    pub error_result: bool,
    pub expected: TckValue,
}

/// The XML Schema types the TCK's values use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XsdType {
    String,
    Decimal,
    Double,
    Boolean,
    Date,
    Time,
    DateTime,
    Duration,
}

/// A value as written in a test file.
#[derive(Clone, Debug, PartialEq)]
pub enum TckValue {
    Nil,
    Scalar { ty: XsdType, text: String },
    Context(Vec<(String, TckValue)>),
    List(Vec<TckValue>),
}

/// Reads a test-case file. The error says what makes it unusable.
pub fn read(source: &str) -> Result<TestFile, Diagnostic> {
    let root = baton_xml::read(source)?;
    if !is(&root, "testCases") {
        return Err(Diagnostic::error(
            root.span,
            None,
            format!(
                "not a DMN TCK test file: the root is <{}>, expected <testCases> in '{TESTCASE_NS}'",
                root.qualified
            ),
        ));
    }
    let model_name = child(&root, "modelName").map(|m| m.text.trim().to_string());
    let mut cases = Vec::new();
    for case in children(&root, "testCase") {
        let kind = match case.attr("type").unwrap_or("decision") {
            "bkm" => CaseKind::Bkm,
            "decisionService" => CaseKind::DecisionService,
            _ => CaseKind::Decision,
        };
        let mut inputs = Vec::new();
        for input in children(case, "inputNode") {
            inputs.push(Node {
                name: input.attr("name").unwrap_or_default().to_string(),
                namespace: input.attr("namespace").map(str::to_string),
                value: value(input)?,
            });
        }
        let mut results = Vec::new();
        for result in children(case, "resultNode") {
            let expected = match child(result, "expected") {
                Some(expected) => value(expected)?,
                None => TckValue::Nil,
            };
            results.push(ResultNode {
                name: result.attr("name").unwrap_or_default().to_string(),
                error_result: result.attr("errorResult") == Some("true"),
                expected,
            });
        }
        cases.push(TestCase {
            id: case.id().unwrap_or_default().to_string(),
            kind,
            invocable: case.attr("invocableName").map(str::to_string),
            inputs,
            results,
        });
    }
    Ok(TestFile { model_name, cases })
}

fn is(el: &Element, name: &str) -> bool {
    el.name == name && el.namespace.as_deref() == Some(TESTCASE_NS)
}

fn child<'e>(el: &'e Element, name: &str) -> Option<&'e Element> {
    el.children.iter().find(|c| is(c, name))
}

fn children<'e>(el: &'e Element, name: &'e str) -> impl Iterator<Item = &'e Element> + 'e {
    el.children.iter().filter(move |c| is(c, name))
}

/// A `valueType`: `<value>`, `<component>`s, or `<list>`; nil when marked or empty.
fn value(el: &Element) -> Result<TckValue, Diagnostic> {
    if el.attr_in(XSI_NS, "nil") == Some("true") {
        return Ok(TckValue::Nil);
    }
    if let Some(value) = child(el, "value") {
        if value.attr_in(XSI_NS, "nil") == Some("true") {
            return Ok(TckValue::Nil);
        }
        let Some(written) = value.attr_in(XSI_NS, "type") else {
            // Untyped values do not occur in the TCK; read them as strings.
            return Ok(TckValue::Scalar {
                ty: XsdType::String,
                text: value.text.clone(),
            });
        };
        let (namespace, local) = value.resolve_qname(written);
        let ty = match (namespace, local) {
            (Some(XSD_NS), "string") => XsdType::String,
            (Some(XSD_NS), "decimal") => XsdType::Decimal,
            (Some(XSD_NS), "double" | "float" | "int" | "integer" | "long") => XsdType::Double,
            (Some(XSD_NS), "boolean") => XsdType::Boolean,
            (Some(XSD_NS), "date") => XsdType::Date,
            (Some(XSD_NS), "time") => XsdType::Time,
            (Some(XSD_NS), "dateTime") => XsdType::DateTime,
            (Some(XSD_NS), "duration") => XsdType::Duration,
            _ => {
                return Err(Diagnostic::error(
                    value.span,
                    None,
                    format!("unsupported value type '{written}'"),
                ));
            }
        };
        return Ok(TckValue::Scalar {
            ty,
            text: value.text.clone(),
        });
    }
    if let Some(list) = child(el, "list") {
        let mut items = Vec::new();
        for item in children(list, "item") {
            items.push(value(item)?);
        }
        return Ok(TckValue::List(items));
    }
    let mut entries = Vec::new();
    for component in children(el, "component") {
        entries.push((
            component.attr("name").unwrap_or_default().to_string(),
            value(component)?,
        ));
    }
    if entries.is_empty() {
        return Ok(TckValue::Nil);
    }
    Ok(TckValue::Context(entries))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_values_components_lists_and_nil_are_read() {
        let file = read(
            r#"<testCases xmlns="http://www.omg.org/spec/DMN/20160719/testcase"
                 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">
              <modelName>m.dmn</modelName>
              <testCase id="001">
                <inputNode name="Age"><value xsi:type="xsd:decimal">17</value></inputNode>
                <inputNode name="P"><component name="n"><value xsi:type="xsd:string">Ada</value></component>
                  <component name="xs"><list><item><value xsi:type="xsd:boolean">true</value></item></list></component></inputNode>
                <resultNode name="D" errorResult="true"><expected><value xsi:nil="true"/></expected></resultNode>
              </testCase>
            </testCases>"#,
        )
        .expect("a valid test file");
        assert_eq!(file.model_name.as_deref(), Some("m.dmn"));
        let case = &file.cases[0];
        assert_eq!(
            case.inputs[0].value,
            TckValue::Scalar {
                ty: XsdType::Decimal,
                text: "17".into()
            }
        );
        assert_eq!(
            case.inputs[1].value,
            TckValue::Context(vec![
                (
                    "n".into(),
                    TckValue::Scalar {
                        ty: XsdType::String,
                        text: "Ada".into()
                    }
                ),
                (
                    "xs".into(),
                    TckValue::List(vec![TckValue::Scalar {
                        ty: XsdType::Boolean,
                        text: "true".into()
                    }])
                ),
            ])
        );
        assert!(case.results[0].error_result);
        assert_eq!(case.results[0].expected, TckValue::Nil);
    }
}
