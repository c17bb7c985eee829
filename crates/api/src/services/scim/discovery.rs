//! The discovery documents (RFC 7644 §4): what this service provider does
//! (PATCH and filters; no bulk, no sorting, no ETags, no password change),
//! its resource types, and the schemas of exactly the attributes Muster
//! keeps, so a client maps nothing that would be dropped.

use serde_json::{json, Value};

use super::{
    resource::{ENTERPRISE_USER, GROUP_SCHEMA, USER_SCHEMA},
    MAX_RESULTS,
};

pub fn service_provider_config(base: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "documentationUri": "https://github.com/muster/muster#integrations",
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": false},
        "sort": {"supported": false},
        "etag": {"supported": false},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "API token",
            "description": "An API token with the scope scim, created on the console's Integrations page: Authorization: Bearer mst_…",
            "primary": true,
        }],
        "meta": {"resourceType": "ServiceProviderConfig", "location": format!("{base}/ServiceProviderConfig")},
    })
}

fn resource_type(base: &str, id: &str, endpoint: &str, schema: &str, extension: Option<&str>) -> Value {
    let mut v = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": id,
        "name": id,
        "endpoint": endpoint,
        "description": id,
        "schema": schema,
        "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/{id}")},
    });
    if let Some(ext) = extension {
        v["schemaExtensions"] = json!([{"schema": ext, "required": false}]);
    }
    v
}

pub fn resource_types(base: &str) -> Vec<Value> {
    vec![
        resource_type(base, "User", "/Users", USER_SCHEMA, Some(ENTERPRISE_USER)),
        resource_type(base, "Group", "/Groups", GROUP_SCHEMA, None),
    ]
}

/// One attribute definition; `case_exact` and `unique` as RFC 7643 §7.
struct Attr {
    name: &'static str,
    kind: &'static str,
    multi: bool,
    required: bool,
    case_exact: bool,
    mutability: &'static str,
    uniqueness: &'static str,
    subs: Vec<Value>,
    description: &'static str,
}

fn attr(name: &'static str, description: &'static str) -> Attr {
    Attr {
        name,
        kind: "string",
        multi: false,
        required: false,
        case_exact: false,
        mutability: "readWrite",
        uniqueness: "none",
        subs: Vec::new(),
        description,
    }
}

impl Attr {
    fn json(self) -> Value {
        let mut v = json!({
            "name": self.name,
            "type": self.kind,
            "multiValued": self.multi,
            "description": self.description,
            "required": self.required,
            "caseExact": self.case_exact,
            "mutability": self.mutability,
            "returned": "default",
            "uniqueness": self.uniqueness,
        });
        if !self.subs.is_empty() {
            v["subAttributes"] = Value::Array(self.subs);
        }
        v
    }
}

fn multi_value(description: &'static str) -> Vec<Value> {
    vec![
        attr("value", description).json(),
        Attr { subs: Vec::new(), ..attr("type", "Always \"work\".") }.json(),
        Attr { kind: "boolean", ..attr("primary", "The one value Muster keeps is primary.") }.json(),
    ]
}

fn read_only(subs: Vec<Value>) -> Vec<Value> {
    subs.into_iter()
        .map(|mut s| {
            s["mutability"] = "readOnly".into();
            s
        })
        .collect()
}

fn schema(base: &str, id: &str, name: &str, description: &str, attributes: Vec<Value>) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": id,
        "name": name,
        "description": description,
        "attributes": attributes,
        "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{id}")},
    })
}

pub fn schemas(base: &str) -> Vec<Value> {
    let user = vec![
        Attr {
            required: true,
            uniqueness: "server",
            ..attr("userName", "The person's email address, in the enterprise's domain.")
        }
        .json(),
        Attr {
            kind: "complex",
            subs: vec![attr("givenName", "First name.").json(), attr("familyName", "Last name.").json()],
            ..attr("name", "The person's name.")
        }
        .json(),
        Attr { mutability: "readOnly", ..attr("displayName", "First and last name.") }.json(),
        Attr {
            kind: "complex",
            multi: true,
            mutability: "readOnly",
            subs: read_only(multi_value("The userName.")),
            ..attr("emails", "The work email, which is the userName: change userName to change it.")
        }
        .json(),
        Attr {
            kind: "complex",
            multi: true,
            subs: vec![attr("value", "The phone number.").json()],
            ..attr("phoneNumbers", "One phone number (Muster keeps one; the last one written).")
        }
        .json(),
        attr("title", "Job title.").json(),
        // Every member is either active or suspended, so `active` is always there (a create without it is active).
        Attr {
            kind: "boolean",
            required: true,
            ..attr("active", "false suspends the member; true restores what SCIM suspended.")
        }
        .json(),
        Attr { mutability: "writeOnly", ..attr("password", "Accepted and discarded: people set their own password.") }
            .json(),
    ];
    let enterprise = vec![attr("employeeNumber", "Employee number.").json(), attr("department", "Department.").json()];
    let group = vec![
        Attr { required: true, ..attr("displayName", "The distribution list's name.") }.json(),
        Attr {
            kind: "complex",
            multi: true,
            subs: vec![Attr { case_exact: true, mutability: "immutable", ..attr("value", "A user's id.") }.json(), {
                let mut r =
                    Attr { kind: "reference", mutability: "immutable", ..attr("$ref", "The user's URI.") }.json();
                r["referenceTypes"] = json!(["User"]);
                r
            }],
            ..attr("members", "The list's members.")
        }
        .json(),
    ];
    vec![
        schema(base, USER_SCHEMA, "User", "A member of the enterprise.", user),
        schema(base, ENTERPRISE_USER, "EnterpriseUser", "Enterprise attributes of a member.", enterprise),
        schema(base, GROUP_SCHEMA, "Group", "A distribution list owned by SCIM.", group),
    ]
}
