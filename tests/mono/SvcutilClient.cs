// Calls indigo's IDataTypes through the client Mono's svcutil generated from the service's WSDL
// (the generated DataTypesClient and data contracts: Peers.Person, peers.test.geo.PostalAddress
// and Mood, peers.test.calc.Point), compiled together with this file.
//
//   mono SvcutilClient.exe <http address of IDataTypes> <basic|ws>
//       prints one line per result.
using System;
using System.Globalization;
using System.ServiceModel;
using System.ServiceModel.Channels;

public static class SvcutilClient
{
    static string Show(Peers.Person p)
    {
        return p.Name + "|" + p.Age + "|" + (p.City ?? "null") + "|" + (p.Nickname ?? "null") + "|" + p.Id + "|" + p.Zeta + "|" + p.alpha
            + "|" + (p.Tags == null ? "null" : string.Join(",", p.Tags)) + "|" + (p.Home == null ? "null" : p.Home.Zip + "|" + p.Home.Street) + "|" + p.Mood;
    }

    static string Code(FaultCode code)
    {
        return code.IsSenderFault ? "sender" : code.IsReceiverFault ? "receiver" : code.Name;
    }

    public static int Main(string[] args)
    {
        Binding binding;
        if (args[1] == "basic")
            binding = new BasicHttpBinding();
        else
        {
            var ws = new WSHttpBinding(SecurityMode.None);
            ws.ReliableSession.Enabled = false;
            binding = ws;
        }
        var client = new DataTypesClient(binding, new EndpointAddress(args[0]));
        try
        {
            Console.WriteLine("greet " + client.Greet("wörld <&>"));
            var m = client.Mirror(new peers.test.calc.Point { x = 3, y = -4 });
            Console.WriteLine("mirror " + m.x + " " + m.y);
            Console.WriteLine("sum " + client.Sum(new[] { 1, 2, 3, 40 }));
            Console.WriteLine("divide " + client.Divide(1, 4).ToString("R", CultureInfo.InvariantCulture));
            var ann = new Peers.Person
            {
                Name = "Ann", Age = 41, City = "Oslo", Id = 7, Zeta = 1, alpha = 2, Tags = new[] { "a", "b" },
                Home = new peers.test.geo.PostalAddress { Zip = "0150", Street = "Main St" },
                Mood = peers.test.geo.Mood.Grumpy,
            };
            Console.WriteLine("older " + Show(client.Older(ann)));
            Console.WriteLine("older-again " + Show(client.Older(client.Older(ann))));
            Console.WriteLine("find " + Show(client.Find(5)));
            try { client.Find(-5); Console.WriteLine("find-fault none"); }
            catch (FaultException f)
            {
                Console.WriteLine("find-fault " + f.GetType().Name + " " + Code(f.Code) + " " + f.Message);
            }
            // Mono's svcutil writes no [FaultContract] (its generator has none), and Mono's client
            // then reads an undeclared detail as the ExceptionDetail it expects and fails saying
            // which element it found.
            catch (System.Runtime.Serialization.SerializationException e)
            {
                Console.WriteLine("find-fault undeclared " + e.Message.Replace('\n', ' '));
            }
            client.Close();
            return 0;
        }
        catch (Exception e)
        {
            Console.WriteLine("error " + e.GetType().Name + " " + e.Message.Replace('\n', ' '));
            Console.Error.WriteLine(e);
            return 1;
        }
    }
}
