//! Data contracts as .NET declares them, over net.tcp: a type with its own namespace and
//! members in the DataContractSerializer's order, a nested type from another namespace, an enum
//! with `EnumMember` values, a required member, a member left out when default, a base type and
//! a known type sent where its base is declared, .NET's `Guid` and `DateTime`, and a typed fault
//! whose detail lives in the default data-contract namespace. It prints an order and a known
//! type as they go on the wire.
//!
//! Run it with `cargo run --example data_contracts`.

use indigo::DataContract;
use indigo::data::{DateTime, Guid};
use indigo::message::FaultException;
use indigo::prelude::*;

/// WCF: `[DataContract(Namespace = "http://schemas.datacontract.org/2004/07/Shop")] class Order`.
#[derive(DataContract, Debug, Clone, PartialEq, Default)]
#[data_contract(namespace = "http://schemas.datacontract.org/2004/07/Shop")]
struct Order {
    /// `[DataMember(IsRequired = true)]`: reading fails without it.
    #[data_member(required)]
    id: Guid,
    /// `[DataMember]`: no `Order`, so sorted by name with the others (`Customer`, `Id`, `Placed`).
    customer: String,
    placed: DateTime,
    /// `[DataMember(EmitDefaultValue = false)]`: left out while `None`.
    #[data_member(emit_default = false)]
    note: Option<String>,
    /// `[DataMember(Order = 1)]`: after every member without an `Order`.
    #[data_member(order = 1)]
    lines: Vec<Line>,
    #[data_member(order = 2)]
    status: Status,
}

/// A type of another namespace, nested in `Order`.
#[derive(DataContract, Debug, Clone, PartialEq, Default)]
#[data_contract(name = "OrderLine", namespace = "urn:example:catalog")]
struct Line {
    sku: String,
    quantity: u32,
}

/// `[DataContract] enum Status { [EnumMember(Value = "new")] Open, Shipped }`.
#[derive(DataContract, Debug, Clone, Copy, PartialEq, Default)]
#[data_contract(namespace = "http://schemas.datacontract.org/2004/07/Shop")]
enum Status {
    #[default]
    #[enum_member(value = "new")]
    Open,
    Shipped,
}

/// A base type and a derived one, as `class Express : Shipping`.
#[derive(DataContract, Debug, Clone, PartialEq, Default)]
#[data_contract(namespace = "urn:example:shipping")]
struct Shipping {
    carrier: String,
}

#[derive(DataContract, Debug, Clone, PartialEq, Default)]
#[data_contract(namespace = "urn:example:shipping")]
struct Express {
    #[data_member(base)]
    shipping: Shipping,
    hours: u32,
}

/// `[KnownType(typeof(Express))]` on `Shipping`: either may travel where `Shipping` is declared.
#[derive(DataContract, Debug, Clone, PartialEq)]
#[data_contract(known_types)]
enum AnyShipping {
    Shipping(Shipping),
    Express(Express),
}

/// The detail of a refused order, in the default data-contract namespace.
#[derive(DataContract, Debug, Clone, PartialEq, Default)]
#[data_contract(namespace = "http://schemas.datacontract.org/2004/07/Shop")]
struct Refused {
    reason: String,
}

#[service_contract(namespace = "urn:example:shop")]
trait Shop {
    /// Ships an order; an empty one is refused with a typed fault.
    async fn ship(
        &self,
        order: Order,
        shipping: AnyShipping,
    ) -> Result<Order, FaultException<Refused>>;
}

struct Warehouse;

impl Shop for Warehouse {
    async fn ship(
        &self,
        mut order: Order,
        shipping: AnyShipping,
    ) -> Result<Order, FaultException<Refused>> {
        if order.lines.is_empty() {
            let detail = Refused {
                reason: "nothing to ship".into(),
            };
            return Err(FaultException::new(detail, "the order is empty"));
        }
        let by = match shipping {
            AnyShipping::Shipping(s) => s.carrier,
            AnyShipping::Express(e) => format!("{} within {} h", e.shipping.carrier, e.hours),
        };
        order.note = Some(format!("shipped by {by}"));
        order.status = Status::Shipped;
        Ok(order)
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let host = ServiceHost::builder()
        .endpoint(
            ShopContract::single(Warehouse),
            NetTcpBinding::new(),
            "net.tcp://127.0.0.1:0/shop",
        )
        .open()
        .await?;
    let client = ShopClient::connect(NetTcpBinding::new(), host.address()).await?;

    let order = Order {
        id: "6f9619ff-8b86-d011-b42d-00c04fc964ff".parse()?,
        customer: "Ann".into(),
        placed: "2026-12-08T09:30:00Z".parse()?,
        note: None,
        lines: vec![Line {
            sku: "tea".into(),
            quantity: 2,
        }],
        status: Status::Open,
    };
    // The request body as the DataContractSerializer writes it: members in .NET's order, each
    // in its type's namespace.
    println!(
        "an order on the wire:\n  {}",
        indigo::xml::to_string(&order, "order", "urn:example:shop")?
    );
    let express = AnyShipping::Express(Express {
        shipping: Shipping {
            carrier: "Owl Post".into(),
        },
        hours: 24,
    });
    println!(
        "a known type on the wire:\n  {}",
        indigo::xml::to_string(&express, "shipping", "urn:example:shop")?
    );

    let shipped = client.ship(order.clone(), express).await??;
    println!("shipped: {:?}, note {:?}", shipped.status, shipped.note);

    let empty = Order {
        lines: Vec::new(),
        ..order
    };
    let by_road = AnyShipping::Shipping(Shipping {
        carrier: "Road".into(),
    });
    if let Err(fault) = client.ship(empty, by_road).await? {
        println!("refused: {} ({})", fault.reason, fault.detail.reason);
    }
    client.close().await?;
    host.shutdown().await;
    Ok(())
}
