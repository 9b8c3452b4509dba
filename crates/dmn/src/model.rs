//! A DMN model as written: the decision requirements graph and the boxed expressions of
//! its decisions and business knowledge models.
//!
//! Plain data. FEEL text is kept as text ([`Text`]) with its position: FEEL names may
//! contain spaces, so an expression can only be parsed once the names in its scope are
//! known, which is the evaluator's job, not the reader's.

use baton_model::Span;

/// Which DMN version's namespace the file used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DmnVersion {
    V1_2,
    V1_3,
    V1_4,
    V1_5,
}

/// One `.dmn` file.
#[derive(Clone, Debug)]
pub struct Definitions {
    pub id: Option<String>,
    pub name: String,
    /// The model's namespace URI; imports and hrefs across files refer to it.
    pub namespace: String,
    pub version: DmnVersion,
    pub imports: Vec<Import>,
    pub item_definitions: Vec<ItemDefinition>,
    pub input_data: Vec<InputData>,
    pub decisions: Vec<Decision>,
    pub bkms: Vec<BusinessKnowledgeModel>,
    pub decision_services: Vec<DecisionService>,
}

#[derive(Clone, Debug)]
pub struct Import {
    /// The prefix names of the imported model are qualified with (`myimport.tPerson`).
    pub name: String,
    pub namespace: String,
    pub import_type: String,
    pub location: Option<String>,
    pub span: Span,
}

/// A data type (`<itemDefinition>`), possibly structured or a collection.
#[derive(Clone, Debug, Default)]
pub struct ItemDefinition {
    pub name: String,
    /// The base type (`number`, `string`, another item definition's name).
    pub type_ref: Option<String>,
    /// Unary tests restricting the values (`allowedValues`): of the whole value, or for a
    /// collection (as models before DMN 1.5 meant them) of each item.
    pub allowed_values: Option<Text>,
    /// DMN 1.5's `typeConstraint`: unary tests restricting the base type, so for a
    /// collection each item.
    pub type_constraint: Option<Text>,
    /// Fields of a structured type.
    pub components: Vec<ItemDefinition>,
    pub is_collection: bool,
    /// `<functionItem>`: the type of a function value.
    pub function: Option<FunctionItem>,
    pub span: Span,
}

#[derive(Clone, Debug, Default)]
pub struct FunctionItem {
    pub parameters: Vec<Variable>,
    pub output_type_ref: Option<String>,
}

/// A named, typed variable (`<variable>`, `<formalParameter>`, `<informationItem>`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Variable {
    pub name: String,
    pub type_ref: Option<String>,
}

#[derive(Clone, Debug)]
pub struct InputData {
    pub id: String,
    pub name: String,
    pub variable: Variable,
    pub span: Span,
}

/// A reference to a DRG element: `#id` in the same model, `namespace#id` in an import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Href {
    pub namespace: Option<String>,
    pub id: String,
}

#[derive(Clone, Debug)]
pub struct Decision {
    pub id: String,
    pub name: String,
    pub variable: Variable,
    pub required_decisions: Vec<Href>,
    pub required_inputs: Vec<Href>,
    pub required_knowledge: Vec<Href>,
    /// `None` for a decision without logic (its value must be supplied).
    pub logic: Option<Expression>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct BusinessKnowledgeModel {
    pub id: String,
    pub name: String,
    pub variable: Variable,
    pub logic: Option<FunctionDefinition>,
    pub required_knowledge: Vec<Href>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct DecisionService {
    pub id: String,
    pub name: String,
    pub variable: Variable,
    pub output_decisions: Vec<Href>,
    pub encapsulated_decisions: Vec<Href>,
    pub input_decisions: Vec<Href>,
    pub input_data: Vec<Href>,
    pub span: Span,
}

/// FEEL source text where it was written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Text {
    pub text: String,
    pub span: Span,
}

/// A boxed expression with its declared result type.
#[derive(Clone, Debug)]
pub struct Expression {
    pub id: Option<String>,
    pub type_ref: Option<String>,
    pub kind: ExpressionKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum ExpressionKind {
    Literal(Text),
    DecisionTable(DecisionTable),
    /// Entries in order; an entry without a variable is the context's result.
    Context(Vec<ContextEntry>),
    Relation {
        columns: Vec<Variable>,
        rows: Vec<Vec<Expression>>,
    },
    List(Vec<Expression>),
    Invocation {
        /// The invoked function, usually a BKM name.
        callee: Text,
        bindings: Vec<Binding>,
    },
    Function(FunctionDefinition),
    Conditional {
        condition: Box<Expression>,
        then: Box<Expression>,
        otherwise: Box<Expression>,
    },
    Filter {
        list: Box<Expression>,
        condition: Box<Expression>,
    },
    Iterator {
        kind: IteratorKind,
        variable: String,
        domain: Box<Expression>,
        body: Box<Expression>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IteratorKind {
    For,
    Some,
    Every,
}

#[derive(Clone, Debug)]
pub struct ContextEntry {
    pub variable: Option<Variable>,
    pub value: Expression,
}

#[derive(Clone, Debug)]
pub struct Binding {
    pub parameter: Variable,
    /// `None` binds null.
    pub value: Option<Expression>,
}

#[derive(Clone, Debug)]
pub struct FunctionDefinition {
    pub parameters: Vec<Variable>,
    pub body: Option<Box<Expression>>,
    pub kind: FunctionKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FunctionKind {
    Feel,
    Java,
    Pmml,
}

#[derive(Clone, Debug)]
pub struct DecisionTable {
    pub hit_policy: HitPolicy,
    pub aggregation: Option<Aggregation>,
    pub inputs: Vec<TableInput>,
    pub outputs: Vec<TableOutput>,
    pub rules: Vec<Rule>,
    /// The name of the table's single result when it has several outputs.
    pub output_label: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HitPolicy {
    Unique,
    First,
    Priority,
    Any,
    Collect,
    RuleOrder,
    OutputOrder,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aggregation {
    Sum,
    Count,
    Min,
    Max,
}

#[derive(Clone, Debug)]
pub struct TableInput {
    pub label: Option<String>,
    pub expression: Text,
    pub type_ref: Option<String>,
    /// Unary tests listing the allowed input values, also the input's priority order.
    pub input_values: Option<Text>,
}

#[derive(Clone, Debug)]
pub struct TableOutput {
    pub name: Option<String>,
    pub label: Option<String>,
    pub type_ref: Option<String>,
    /// Allowed values, in priority order for the PRIORITY and OUTPUT ORDER policies.
    pub output_values: Option<Text>,
    /// The value when no rule matches.
    pub default: Option<Text>,
}

#[derive(Clone, Debug)]
pub struct Rule {
    pub id: Option<String>,
    /// One unary-test text per input.
    pub inputs: Vec<Text>,
    /// One expression text per output.
    pub outputs: Vec<Text>,
    pub annotations: Vec<String>,
    pub span: Span,
}
