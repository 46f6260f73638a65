// Prints what the DataContractSerializer writes for dictionaries, collection data contracts and
// [Flags] enums, one value a line: `name<TAB>xml`. Run by tests/data_collections.rs, which checks
// that indigo writes the same documents (up to namespace prefixes) and reads them back.
using System;
using System.Collections.Generic;
using System.Runtime.Serialization;
using System.Text;
using System.Xml;

[DataContract(Namespace = "http://peers.test/geo")]
public class Person
{
    [DataMember] public string Name;
    [DataMember] public int Age;
}

[CollectionDataContract(Name = "Tags", Namespace = "http://peers.test/coll", ItemName = "Tag")]
public class Tags : List<string> {}

[CollectionDataContract(Name = "Scores", Namespace = "http://peers.test/coll", ItemName = "Entry",
    KeyName = "Name", ValueName = "Points")]
public class Scores : Dictionary<string, int> {}

[Flags]
[DataContract(Namespace = "http://peers.test/geo")]
public enum Perms
{
    [EnumMember] Read = 1,
    [EnumMember] Write = 2,
    [EnumMember(Value = "Run")] Exec = 4,
}

[DataContract(Namespace = "http://schemas.datacontract.org/2004/07/Peers")]
public class Holder
{
    [DataMember] public Dictionary<string, int> Scores;
    [DataMember] public Dictionary<string, Person> People;
    [DataMember] public Tags Tags;
    [DataMember] public Perms Perms;
}

static class Collections
{
    static void Write<T>(string name, T value)
    {
        var serializer = new DataContractSerializer(typeof(T));
        var text = new StringBuilder();
        var settings = new XmlWriterSettings { OmitXmlDeclaration = true, Indent = false };
        using (var writer = XmlWriter.Create(text, settings))
        {
            serializer.WriteObject(writer, value);
        }
        Console.WriteLine(name + "\t" + text);
    }

    static void Main()
    {
        Write("dict.int", new Dictionary<string, int> { { "x", 1 }, { "y", 2 } });
        Write("dict.person", new Dictionary<string, Person> {
            { "ann", new Person { Name = "Ann", Age = 41 } } });
        var tags = new Tags { "a", "b" };
        Write("tags", tags);
        Write("scores", new Scores { { "x", 1 }, { "y", 2 } });
        Write("flags.0", (Perms)0);
        Write("flags.1", Perms.Read);
        Write("flags.3", Perms.Read | Perms.Write);
        Write("flags.7", Perms.Read | Perms.Write | Perms.Exec);
        Write("holder", new Holder {
            Scores = new Dictionary<string, int> { { "x", 1 } },
            People = new Dictionary<string, Person> { { "a", new Person { Name = "A" } } },
            Tags = tags,
            Perms = Perms.Read | Perms.Exec,
        });
    }
}
