// Imports a WSDL with Mono's WCF metadata importer (System.ServiceModel.Description.WsdlImporter),
// as a WCF client tool does, and calls the service with the binding and address it imported.
//
//   mono WsdlImport.exe <URL of the WSDL>
//       prints "error <message>" per import error and warning, then per imported endpoint
//       "endpoint <address> <contract> <binding element types, space-separated>" and
//       "version <message version>"; then, with the first endpoint's imported binding and
//       address, calls ICalculatorSession (Clear, AddTo 2.5, Equals) and prints "equals <value>".
using System;
using System.IO;
using System.Net;
using System.ServiceModel;
using System.ServiceModel.Channels;
using System.ServiceModel.Description;
using WsdlDocument = System.Web.Services.Description.ServiceDescription;

namespace Peers
{
    [ServiceContract(Namespace = "http://peers.test/calc", SessionMode = SessionMode.Required)]
    public interface ICalculatorSession
    {
        [OperationContract(IsInitiating = true)] void Clear();
        [OperationContract(IsInitiating = false)] void AddTo(double n);
        [OperationContract(IsInitiating = false, IsTerminating = true)] double Equals();
    }

    public static class WsdlImport
    {
        public static int Main(string[] args)
        {
            string text = new WebClient().DownloadString(args[0]);
            WsdlDocument wsdl = WsdlDocument.Read(new StringReader(text));
            MetadataSet metadata = new MetadataSet();
            metadata.MetadataSections.Add(MetadataSection.CreateFromServiceDescription(wsdl));
            WsdlImporter importer = new WsdlImporter(metadata);
            ServiceEndpointCollection endpoints = importer.ImportAllEndpoints();
            foreach (MetadataConversionError error in importer.Errors)
                Console.WriteLine("error " + error.Message.Replace('\n', ' '));
            foreach (ServiceEndpoint endpoint in endpoints)
            {
                string elements = "";
                foreach (BindingElement element in endpoint.Binding.CreateBindingElements())
                    elements += " " + element.GetType().Name;
                Console.WriteLine("endpoint " + endpoint.Address.Uri + " " + endpoint.Contract.Name + elements);
                Console.WriteLine("version " + endpoint.Binding.MessageVersion);
            }
            if (endpoints.Count == 0)
                return 1;
            ServiceEndpoint first = endpoints[0];
            ChannelFactory<ICalculatorSession> factory =
                new ChannelFactory<ICalculatorSession>(first.Binding, first.Address);
            ICalculatorSession calc = factory.CreateChannel();
            calc.Clear();
            calc.AddTo(2.5);
            Console.WriteLine("equals " + calc.Equals());
            ((IClientChannel)calc).Close();
            factory.Close();
            return 0;
        }
    }
}
