//! The contract description that `#[service_contract]` generates, flag by flag.

mod common;

use common::CalculatorSessionContract;
use indigo::contract::{Contract, Receiver, SessionMode};

#[test]
fn calculator_session_description() {
    let d = <CalculatorSessionContract as Contract>::DESCRIPTION;
    assert_eq!(d.name, "ICalculatorSession");
    assert_eq!(d.namespace, "http://peers.test/calc");
    assert_eq!(d.session_mode, SessionMode::Required);
    assert_eq!(
        <<CalculatorSessionContract as Contract>::Session as indigo::contract::SessionRule>::MODE,
        SessionMode::Required
    );

    let names: Vec<_> = d.operations.iter().map(|op| op.name).collect();
    assert_eq!(
        names,
        [
            "Clear",
            "AddTo",
            "SubtractFrom",
            "MultiplyBy",
            "DivideBy",
            "Equals"
        ]
    );
    let flags: Vec<_> = d
        .operations
        .iter()
        .map(|op| (op.is_initiating, op.is_terminating, op.is_one_way))
        .collect();
    assert_eq!(
        flags,
        [
            (true, false, false),
            (false, false, false),
            (false, false, false),
            (false, false, false),
            (false, false, false),
            (false, true, false),
        ]
    );

    let add_to = &d.operations[1];
    assert_eq!(add_to.method, "add_to");
    assert_eq!(
        add_to.action,
        "http://peers.test/calc/ICalculatorSession/AddTo"
    );
    assert_eq!(
        add_to.reply_action,
        Some("http://peers.test/calc/ICalculatorSession/AddToResponse")
    );
    assert_eq!(add_to.receiver, Receiver::Exclusive);
    assert_eq!(add_to.parameters.len(), 1);
    assert_eq!(add_to.parameters[0].name, "n");
    assert_eq!(add_to.parameters[0].type_name, "f64");
    assert_eq!(add_to.result_type, "()");
    assert_eq!(add_to.fault_type, None);

    let equals = &d.operations[5];
    assert_eq!(equals.result_name, "EqualsResult");
    assert_eq!(equals.reply_name, "EqualsResponse");
    assert_eq!(equals.result_type, "f64");
    assert!(equals.parameters.is_empty());
}

mod forms {
    use indigo::prelude::*;
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize)]
    pub struct Shape {
        pub sides: Vec<u32>,
    }

    #[derive(Serialize, Deserialize)]
    pub struct Invalid;

    #[service_contract(namespace = "urn:shapes")]
    pub trait Shapes {
        async fn area(&self, first_shape: Shape, scale: Option<f64>) -> Result<u64, Invalid>;
        #[operation(one_way, name = "Forget", action = "urn:shapes:forget")]
        async fn forget_all(&mut self);
        #[operation(reply_action = "urn:shapes:counted")]
        async fn count(&self) -> u64;
    }
}

#[test]
fn defaults_and_overrides() {
    let d = <forms::ShapesContract as Contract>::DESCRIPTION;
    assert_eq!(d.name, "Shapes");
    assert_eq!(d.session_mode, SessionMode::Allowed);

    let area = &d.operations[0];
    assert_eq!(area.action, "urn:shapes/Shapes/Area");
    assert_eq!(area.parameters[0].name, "firstShape");
    assert_eq!(area.parameters[0].type_name, "Shape");
    assert_eq!(area.parameters[1].type_name, "Option<f64>");
    assert_eq!(area.result_type, "u64");
    assert_eq!(area.fault_type, Some("Invalid"));
    assert_eq!(area.receiver, Receiver::Shared);
    assert!(area.is_initiating && !area.is_terminating && !area.is_one_way);

    let forget = &d.operations[1];
    assert_eq!((forget.name, forget.method), ("Forget", "forget_all"));
    assert_eq!(forget.action, "urn:shapes:forget");
    assert_eq!(forget.reply_action, None);
    assert!(forget.is_one_way);
    assert_eq!(forget.receiver, Receiver::Exclusive);

    let count = &d.operations[2];
    assert_eq!(count.action, "urn:shapes/Shapes/Count");
    assert_eq!(count.reply_action, Some("urn:shapes:counted"));
}
