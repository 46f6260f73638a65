use indigo::DataContract;

#[derive(DataContract)]
#[data_contract(item = "Tag")]
struct NotACollection {
    tags: Vec<String>,
}

#[derive(DataContract)]
#[data_contract(collection, item = "Tag")]
struct Named {
    tags: Vec<String>,
}

#[derive(DataContract)]
#[data_contract(collection, namespace = "urn:x")]
struct NoItem(Vec<String>);

#[derive(DataContract)]
#[data_contract(collection, item = "E", key = "K", value = "K")]
struct SameNames(std::collections::BTreeMap<String, i32>);

#[derive(DataContract)]
#[data_contract(collection, item = "not a name")]
struct BadItem(Vec<String>);

fn main() {}
