//! Test support: locating `shared/conformance`, reading its request lines and XML bodies, and a
//! small FHIR Shorthand (FSH) interpreter that compiles the instances of the conformance files
//! (IHE PDQm `$match`, FR Core Patient examples, the PIXm OperationOutcome) to JSON, so they are
//! parsed as published rather than re-typed by hand.
//!
//! The FSH subset covers what those files use: `Instance:` / `InstanceOf:` headers, rules with
//! indentation contexts, soft indexes (`[+]`, `[=]`), numeric indexes, slices (with their
//! discriminators from a small table: extension urls, identifier types, name use, parameter
//! names), `#code`, `system#code "display"`, strings, booleans, numbers and instance references.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

/// The `shared/conformance` directory: `<repo>/../shared/conformance` as documented, else the
/// nearest ancestor holding `shared/conformance` (git worktrees live one level deeper).
pub fn conformance_dir() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let documented = manifest.join("../../../shared/conformance");
    if documented.is_dir() {
        return documented;
    }
    manifest
        .ancestors()
        .map(|dir| dir.join("shared/conformance"))
        .find(|dir| dir.is_dir())
        .expect("shared/conformance is reachable from the crate directory")
}

/// The text of a conformance file.
pub fn read(name: &str) -> String {
    std::fs::read_to_string(conformance_dir().join(name)).expect("conformance file is readable")
}

/// The query string of the first `GET`/`PUT` request line of a text block.
pub fn request_query(text: &str, method: &str) -> String {
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with(method))
        .expect("request line");
    let url = line.split_whitespace().nth(1).expect("url");
    url.split_once('?')
        .map(|(_, q)| q.to_owned())
        .unwrap_or_default()
}

/// `(name, valueReference.reference | valueIdentifier system|value)` of each `<parameter>` of an
/// XML Parameters body.
pub fn xml_parameters(text: &str) -> Vec<(String, String)> {
    fn attribute(block: &str, tag: &str) -> Option<String> {
        let start = block.find(&format!("<{tag} value=\""))? + tag.len() + 9;
        let end = block[start..].find('"')? + start;
        Some(block[start..end].to_owned())
    }
    text.split("<parameter>")
        .skip(1)
        .map(|block| {
            let block = block.split("</parameter>").next().unwrap();
            let name = attribute(block, "name").unwrap();
            let value = match attribute(block, "reference") {
                Some(reference) => reference,
                None => format!(
                    "{}|{}",
                    attribute(block, "system").unwrap(),
                    attribute(block, "value").unwrap()
                ),
            };
            (name, value)
        })
        .collect()
}

/// The JSON bodies (`{` at the start of a line to the matching `}` line) of an HTTP transcript.
pub fn json_bodies(text: &str) -> Vec<Value> {
    let mut bodies = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if line == "{" {
            current = Some(String::new());
        }
        if let Some(body) = current.as_mut() {
            body.push_str(line);
            body.push('\n');
            if line == "}" {
                bodies.push(serde_json::from_str(body).expect("JSON body"));
                current = None;
            }
        }
    }
    bodies
}

// ---------------------------------------------------------------------------------------------
// FSH

/// One FSH instance.
#[derive(Debug, Clone)]
pub struct Instance {
    /// `Instance:` name (also the resource id).
    pub name: String,
    /// `InstanceOf:` profile or resource.
    pub instance_of: String,
    rules: Vec<(usize, String, Option<String>)>,
}

/// The instances of a FSH text (other lines ignored).
pub fn parse_fsh(text: &str) -> Vec<Instance> {
    let mut instances: Vec<Instance> = Vec::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("Instance:") {
            instances.push(Instance {
                name: name.trim().to_owned(),
                instance_of: String::new(),
                rules: Vec::new(),
            });
        } else if let Some(of) = line.strip_prefix("InstanceOf:") {
            instances.last_mut().expect("instance").instance_of = of.trim().to_owned();
        } else if let Some(rest) = line.trim_start().strip_prefix("* ") {
            let indent = line.len() - line.trim_start().len();
            let rest = rest.trim_end();
            let (path, value) = match rest.split_once(" = ") {
                Some((path, value)) => (path.trim(), Some(value.trim().to_owned())),
                None => (rest.trim(), None),
            };
            if let Some(instance) = instances.last_mut() {
                instance.rules.push((indent, path.to_owned(), value));
            }
        }
    }
    instances
}

/// Compiles an instance (by name) to JSON; references to other instances of `all` are inlined.
pub fn fsh_json(all: &[Instance], name: &str) -> Value {
    let instance = all.iter().find(|i| i.name == name).expect("instance");
    let resource_type = match instance.instance_of.as_str() {
        "PDQmMatchInput" | "fr-core-patient-ins" | "Patient" => "Patient",
        "IHE.PDQm.MatchParametersIn" => "Parameters",
        "IHE.PDQm.MatchParametersOut" => "Bundle",
        other => other,
    };
    let mut root = json!({"resourceType": resource_type, "id": instance.name});
    if resource_type == "Bundle" {
        root["type"] = json!("searchset");
    }
    let mut state = State::default();
    let mut stack: Vec<(usize, Vec<Step>)> = Vec::new();
    for (indent, path, value) in &instance.rules {
        while stack.last().is_some_and(|(i, _)| i >= indent) {
            stack.pop();
        }
        let mut steps = stack.last().map(|(_, s)| s.clone()).unwrap_or_default();
        let resolved = state.resolve(&mut root, &steps, path);
        steps.extend(resolved);
        if let Some(value) = value {
            let last = steps.last().expect("path").clone();
            let converted = convert_value(all, &last.name, value);
            *node_mut(&mut root, &steps) = converted;
        }
        stack.push((*indent, steps));
    }
    root
}

#[derive(Debug, Clone)]
struct Step {
    name: String,
    index: Option<usize>,
}

#[derive(Default)]
struct State {
    last_index: HashMap<String, usize>,
    slices: HashMap<(String, String), Vec<usize>>,
}

const ARRAYS: &[&str] = &[
    "identifier",
    "name",
    "given",
    "telecom",
    "address",
    "line",
    "extension",
    "coding",
    "parameter",
    "entry",
    "link",
    "issue",
    "security",
    "profile",
    "contact",
    "prefix",
    "suffix",
    "communication",
    "generalPractitioner",
    "expression",
    "location",
    "tag",
];

fn key(steps: &[Step]) -> String {
    steps
        .iter()
        .map(|s| match s.index {
            Some(i) => format!("{}[{i}]", s.name),
            None => s.name.clone(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

fn node_mut<'a>(root: &'a mut Value, steps: &[Step]) -> &'a mut Value {
    let mut node = root;
    for step in steps {
        if !node.is_object() {
            *node = Value::Object(Map::new());
        }
        let child = node
            .as_object_mut()
            .unwrap()
            .entry(step.name.clone())
            .or_insert(Value::Null);
        node = match step.index {
            None => child,
            Some(index) => {
                if !child.is_array() {
                    *child = Value::Array(Vec::new());
                }
                let array = child.as_array_mut().unwrap();
                while array.len() <= index {
                    array.push(Value::Null);
                }
                &mut array[index]
            }
        };
    }
    node
}

fn slice_discriminator(element: &str, slice: &str) -> Value {
    match (element, slice) {
        ("extension", "identityReliability") => {
            json!({"url": "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-identity-reliability"})
        }
        ("extension", "birthPlace") => {
            json!({"url": "http://hl7.org/fhir/StructureDefinition/patient-birthPlace"})
        }
        ("extension", "inseeCode") => {
            json!({"url": "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-address-insee-code"})
        }
        ("extension", "birth-list-given-name") => {
            json!({"url": "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient-birth-list-given-name"})
        }
        ("extension", "nationality") => {
            json!({"url": "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient-nationality"})
        }
        ("extension", "birthDateUpdateIndicator") => {
            json!({"url": "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient-birth-date-update-indicator"})
        }
        ("extension", "MatchGrade") => {
            json!({"url": "http://hl7.org/fhir/StructureDefinition/match-grade"})
        }
        ("extension", sub) => json!({"url": sub}),
        ("identifier", "INS-NIR") => json!({
            "type": {"coding": [{"system": "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203", "code": "INS-NIR"}]},
            "system": "urn:oid:1.2.250.1.213.1.4.8"
        }),
        ("identifier", "PI") => json!({
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "PI"}]}
        }),
        ("name", "officialName") => json!({"use": "official"}),
        ("parameter", name) => json!({"name": name}),
        _ => json!({}),
    }
}

impl State {
    fn resolve(&mut self, root: &mut Value, prefix: &[Step], path: &str) -> Vec<Step> {
        let mut steps: Vec<Step> = prefix.to_vec();
        let start = steps.len();
        for segment in path.split('.') {
            let (name, brackets) = match segment.find('[') {
                Some(at) => (&segment[..at], &segment[at..]),
                None => (segment, ""),
            };
            let brackets: Vec<&str> = brackets
                .split(']')
                .filter(|b| !b.is_empty())
                .map(|b| b.trim_start_matches('['))
                .collect();
            if !ARRAYS.contains(&name) {
                assert!(brackets.is_empty(), "unexpected index on {name}");
                steps.push(Step {
                    name: name.to_owned(),
                    index: None,
                });
                continue;
            }
            let array_key = format!("{}.{name}", key(&steps));
            let length = {
                let parent = node_mut(root, &steps);
                parent
                    .get(name)
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len)
            };
            let (slice, soft) = match brackets.as_slice() {
                [] => (None, None),
                [b] if *b == "+" || *b == "=" || b.parse::<usize>().is_ok() => (None, Some(*b)),
                [s] => (Some(*s), None),
                [s, b] => (Some(*s), Some(*b)),
                _ => panic!("unsupported path {path}"),
            };
            let index = match slice {
                None => match soft {
                    None => 0,
                    Some("+") => self.last_index.get(&array_key).map_or(length, |i| i + 1),
                    Some("=") => *self
                        .last_index
                        .get(&array_key)
                        .expect("[=] after an element"),
                    Some(n) => n.parse().unwrap(),
                },
                Some(slice) => {
                    let members = self
                        .slices
                        .entry((array_key.clone(), slice.to_owned()))
                        .or_default();
                    let existing = match soft {
                        None => members.first().copied(),
                        Some("+") => None,
                        Some("=") => members.last().copied(),
                        Some(n) => members.get(n.parse::<usize>().unwrap()).copied(),
                    };
                    match existing {
                        Some(index) => index,
                        None => {
                            let current_len = {
                                let parent = node_mut(root, &steps);
                                parent
                                    .get(name)
                                    .and_then(Value::as_array)
                                    .map_or(0, Vec::len)
                            };
                            let index = current_len;
                            members.push(index);
                            let mut element_steps = steps.clone();
                            element_steps.push(Step {
                                name: name.to_owned(),
                                index: Some(index),
                            });
                            *node_mut(root, &element_steps) = slice_discriminator(name, slice);
                            index
                        }
                    }
                }
            };
            self.last_index.insert(array_key, index);
            steps.push(Step {
                name: name.to_owned(),
                index: Some(index),
            });
        }
        steps.split_off(start)
    }
}

const CODEABLE_CONCEPTS: &[&str] = &[
    "valueCodeableConcept",
    "type",
    "maritalStatus",
    "relationship",
    "language",
];

fn convert_value(all: &[Instance], element: &str, text: &str) -> Value {
    if let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        return json!(inner.replace("\\\"", "\"").replace("\\\\", "\\"));
    }
    if text == "true" || text == "false" {
        return json!(text == "true");
    }
    if let Ok(integer) = text.parse::<i64>() {
        return json!(integer);
    }
    if let Ok(decimal) = text.parse::<f64>() {
        return json!(decimal);
    }
    if let Some(at) = text.find('#') {
        let (system, rest) = (&text[..at], &text[at + 1..]);
        let (code, display) = match rest.split_once(' ') {
            Some((code, display)) => (code, Some(display.trim().trim_matches('"'))),
            None => (rest, None),
        };
        if system.is_empty() {
            return json!(code);
        }
        let mut coding = json!({"system": system, "code": code});
        if let Some(display) = display {
            coding["display"] = json!(display);
        }
        return if CODEABLE_CONCEPTS.contains(&element) {
            json!({"coding": [coding]})
        } else {
            coding
        };
    }
    // An instance reference.
    if all.iter().any(|i| i.name == text) {
        fsh_json(all, text)
    } else if text.contains("failure") {
        json!({"resourceType": "OperationOutcome", "id": text})
    } else {
        json!({"resourceType": "Patient", "id": text})
    }
}

#[test]
fn the_fsh_interpreter_handles_soft_indexes_and_slices() {
    let text = r#"
Instance: t
InstanceOf: Patient
* identifier[+].system = "s1"
* identifier[=].value = "v1"
* identifier[+].system = "s2"
* name[officialName].given[0] = "A"
* name[officialName].family = "F"
* extension[identityReliability].extension[comment][0].valueCodeableConcept = http://x#C1 "one"
* extension[identityReliability].extension[comment][+].valueCodeableConcept = http://x#C2
* address
  * line = "L"
  * period.start = "2018"
"#;
    let json = fsh_json(&parse_fsh(text), "t");
    assert_eq!(
        json,
        json!({
            "resourceType": "Patient", "id": "t",
            "identifier": [{"system": "s1", "value": "v1"}, {"system": "s2"}],
            "name": [{"use": "official", "given": ["A"], "family": "F"}],
            "extension": [{
                "url": "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-identity-reliability",
                "extension": [
                    {"url": "comment", "valueCodeableConcept": {"coding": [{"system": "http://x", "code": "C1", "display": "one"}]}},
                    {"url": "comment", "valueCodeableConcept": {"coding": [{"system": "http://x", "code": "C2"}]}}
                ]
            }],
            "address": [{"line": ["L"], "period": {"start": "2018"}}]
        })
    );
}
