// Prints what the DataContractSerializer writes for .NET's primitives that serde lacks (Guid,
// TimeSpan, DateTime, DateTimeOffset, Decimal, Char), one value a line: `name<TAB>xml`, and for
// local times the machine's offset (`name.offset<TAB>minutes`). Run by tests/mono_data.rs, which
// checks that indigo writes the same texts and reads these documents back.
using System;
using System.Runtime.Serialization;
using System.Text;
using System.Xml;

static class DataContracts
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
        Write("guid", new Guid("6F9619FF-8B86-D011-B42D-00C04FC964FF"));
        Write("guid.empty", Guid.Empty);

        Write("timespan", new TimeSpan(0, 1, 2, 3, 500));
        Write("timespan.negative", -new TimeSpan(1, 2, 0, 0));
        Write("timespan.zero", TimeSpan.Zero);
        Write("timespan.tick", new TimeSpan(1));
        Write("timespan.max", TimeSpan.MaxValue);
        Write("timespan.min", TimeSpan.MinValue);

        var at = new DateTime(2024, 5, 6, 7, 8, 9).AddTicks(1234567);
        Write("datetime.utc", DateTime.SpecifyKind(at, DateTimeKind.Utc));
        Write("datetime.unspecified", at);
        var local = DateTime.SpecifyKind(at, DateTimeKind.Local);
        Write("datetime.local", local);
        Console.WriteLine("datetime.local.offset\t"
            + (int)TimeZoneInfo.Local.GetUtcOffset(local).TotalMinutes);
        Write("datetime.half", new DateTime(2024, 5, 6, 7, 8, 9, 500, DateTimeKind.Utc));
        Write("datetime.min", DateTime.MinValue);
        Write("datetime.max", DateTime.MaxValue);

        Write("datetimeoffset",
            new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.FromHours(2)).AddTicks(1234567));
        Write("datetimeoffset.west",
            new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.FromMinutes(-330)));

        Write("decimal", -12.3400m);
        Write("decimal.small", 0.0005m);
        Write("decimal.zero", 0m);
        Write("decimal.max", decimal.MaxValue);
        Write("decimal.min", decimal.MinValue);
        Write("decimal.tiny", new decimal(1, 0, 0, false, 28));

        Write("char", 'A');
        Write("char.max", '\uffff');
        Write("char.surrogate", '\ud800');
    }
}
